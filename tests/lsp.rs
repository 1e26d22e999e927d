//! `procc lsp` driven as an editor drives it: JSON-RPC over the child's stdio.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Generous: a debug build on a loaded machine. Not a timing assertion: a bound on how
/// long to wait for a message that must come.
const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    stashed: Vec<Value>,
    next_id: i64,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_procc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("procc lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            stashed: Vec::new(),
            next_id: 1,
        };
        let result = client.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(root), "capabilities": {}}),
        );
        assert_eq!(
            result["capabilities"]["hoverProvider"],
            json!(true),
            "{result}"
        );
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The whole response to a request.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.stashed.iter().position(&wanted) {
            return self.stashed.remove(at);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.stashed.push(message),
                Err(RecvTimeoutError::Timeout) => panic!("no such message; got {:?}", self.stashed),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server gone; got {:?}", self.stashed)
                }
            }
        }
    }

    /// The next diagnostics published for `path`.
    fn diagnostics(&mut self, path: &Path) -> Vec<Value> {
        let uri = uri(path);
        let note = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(uri)
        });
        note["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The diagnostics published for `path` until a publication satisfies `wanted`
    /// (earlier ones included, oldest first).
    fn diagnostics_until(
        &mut self,
        path: &Path,
        wanted: impl Fn(&[Value]) -> bool,
    ) -> Vec<Vec<Value>> {
        let mut seen = Vec::new();
        loop {
            let diagnostics = self.diagnostics(path);
            let done = wanted(&diagnostics);
            seen.push(diagnostics);
            if done {
                return seen;
            }
        }
    }

    fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "proc", "version": 1, "text": text}}),
        );
    }

    fn replace(&mut self, path: &Path, version: i64, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version},
                   "contentChanges": [{"range": range, "text": text}]}),
        );
    }

    fn at(
        &mut self,
        method: &str,
        path: &Path,
        line: usize,
        character: usize,
        extra: Value,
    ) -> Value {
        let mut params = json!({"textDocument": {"uri": uri(path)},
                                "position": {"line": line, "character": character}});
        if let (Some(params), Value::Object(extra)) = (params.as_object_mut(), extra) {
            params.extend(extra);
        }
        self.request(method, params)
    }

    fn shutdown(mut self) {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "{status}");
                return;
            }
            assert!(Instant::now() < deadline, "procc lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1);
    (line, column)
}

const A: &str = r#"use std::types::{phone}

/// What the host knows about the customer.
customer {
  plan: text
}

/// The customer's email address.
var email: text {
  ask "What's your email?"
}

var mobile: phone {
  ask "Your mobile number?"
}

procedure contact: follow_up {
  label "Contact us"
  question "How do I reach {email}?"
  needs email, mobile
  trigger always
}
"#;

const B: &str = r#"audience pro = customer.plan == "pro"

procedure greet: follow_up {
  label "Greet"
  audience pro
  question "Hello {emial}?"
  needs email
  trigger unanswered
}
"#;

fn project() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical");
    let a = root.join("a.proc");
    let b = root.join("b.proc");
    std::fs::write(&a, A).expect("write");
    std::fs::write(&b, B).expect("write");
    (dir, a, b)
}

#[test]
fn a_session_as_an_editor_runs_it() {
    let (_dir, a, b) = project();
    let root = a.parent().expect("dir").to_path_buf();
    let mut client = Client::start(&root);

    // Open with an error: on the line of `{emial}`, with the checker's code and help.
    client.open(&b, B);
    let diagnostics = client.diagnostics(&b);
    let (line, column) = position_of(B, "emial");
    let error = diagnostics
        .iter()
        .find(|d| d["severity"] == json!(1))
        .unwrap_or_else(|| panic!("no error in {diagnostics:?}"));
    assert_eq!(
        error["range"]["start"],
        json!({"line": line, "character": column})
    );
    assert_eq!(error["source"], "procc");
    assert!(
        error["code"].as_str().is_some_and(|c| c.starts_with('E')),
        "{error}"
    );
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean `email`?")),
        "{error}"
    );

    // The quick fix from the help line.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&b)}, "range": error["range"], "context": {"diagnostics": [error]}}),
    );
    let fix = &actions[0];
    assert_eq!(fix["kind"], "quickfix", "{actions}");
    assert_eq!(fix["edit"]["changes"][uri(&b)][0]["newText"], "email");

    // A change that fixes it: diagnostics become clean, without saving anything.
    client.replace(&b, 2, error["range"].clone(), "email");
    let diagnostics = client.diagnostics(&b);
    assert!(
        diagnostics.iter().all(|d| d["severity"] != json!(1)),
        "{diagnostics:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&b).expect("read"),
        B,
        "the disk is not touched"
    );
    let fixed = B.replace("emial", "email");

    // Hover: the declaration (with its type) and its doc comment, from the other file.
    let (line, column) = position_of(&fixed, "email}");
    let hover = client.at("textDocument/hover", &b, line, column + 1, json!({}));
    let markdown = hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(markdown.contains("var email: text"), "{markdown}");
    assert!(
        markdown.contains("The customer's email address."),
        "{markdown}"
    );
    // Hover on a customer attribute and on an audience.
    let (line, column) = position_of(&fixed, "plan");
    let hover = client.at("textDocument/hover", &b, line, column, json!({}));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|m| m.contains("customer.plan: text")),
        "{hover}"
    );

    // Definition across files, and into the standard library.
    let (line, column) = position_of(&fixed, "needs email");
    let definition = client.at("textDocument/definition", &b, line, column + 7, json!({}));
    assert_eq!(definition["uri"], json!(uri(&a)), "{definition}");
    let (decl_line, _) = position_of(A, "var email");
    assert_eq!(definition["range"]["start"]["line"], json!(decl_line));
    let (line, column) = position_of(A, "mobile: phone");
    let definition = client.at("textDocument/definition", &a, line, column + 9, json!({}));
    let target = definition["uri"].as_str().unwrap_or_default();
    assert!(target.ends_with("/types.proc"), "{definition}");

    // References: the declaration, the interpolation and `needs` in a.proc, and b.proc's.
    let references = client.at(
        "textDocument/references",
        &a,
        decl_line,
        4,
        json!({"context": {"includeDeclaration": true}}),
    );
    let references = references.as_array().cloned().unwrap_or_default();
    let in_a = references
        .iter()
        .filter(|r| r["uri"] == json!(uri(&a)))
        .count();
    let in_b = references
        .iter()
        .filter(|r| r["uri"] == json!(uri(&b)))
        .count();
    assert_eq!((in_a, in_b), (3, 2), "{references:?}");

    // Completion: procedure items at the start of a line in a procedure, customer
    // attributes after `customer.`, procedure kinds after `procedure x:`.
    let (line, _) = position_of(&fixed, "  needs email");
    let items = client.at("textDocument/completion", &b, line, 2, json!({}));
    let items_here = labels(&items);
    for word in ["label", "trigger", "needs", "var", "request"] {
        assert!(
            items_here.contains(&word.to_string()),
            "{word}: {items_here:?}"
        );
    }
    assert!(!items_here.contains(&"ask".to_string()), "{items_here:?}");
    let (line, column) = position_of(&fixed, "plan ==");
    let items = client.at("textDocument/completion", &b, line, column, json!({}));
    assert_eq!(labels(&items), vec!["plan".to_string()]);
    let (line, column) = position_of(&fixed, "{email}");
    let items = client.at("textDocument/completion", &b, line, column + 1, json!({}));
    let in_expression = labels(&items);
    assert!(
        in_expression.contains(&"email".to_string()) && in_expression.contains(&"len".to_string()),
        "{in_expression:?}"
    );

    // Document symbols.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&a)}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, vec!["customer", "email", "mobile", "contact"]);

    // Rename across both files; applying the edits re-checks clean.
    client.open(&a, A);
    let _ = client.diagnostics(&a);
    let edit = client.at(
        "textDocument/rename",
        &a,
        decl_line,
        4,
        json!({"newName": "contact_email"}),
    );
    let mut texts = vec![(a.clone(), A.to_string()), (b.clone(), fixed.clone())];
    for (path, text) in &mut texts {
        let mut edits = edit["changes"][uri(path)]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!edits.is_empty(), "{edit}");
        // Apply from the end so earlier ranges stay valid.
        edits.sort_by_key(|e| {
            std::cmp::Reverse((
                e["range"]["start"]["line"].as_u64(),
                e["range"]["start"]["character"].as_u64(),
            ))
        });
        for e in &edits {
            *text = apply(text, &e["range"], e["newText"].as_str().unwrap_or_default());
        }
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": 3}, "contentChanges": [{"text": text}]}),
        );
    }
    assert!(texts[1].1.contains("{contact_email}") && texts[1].1.contains("needs contact_email"));
    for (path, _) in &texts {
        let diagnostics = client.diagnostics(path);
        assert!(
            diagnostics.is_empty(),
            "{}: {diagnostics:?}",
            path.display()
        );
    }
    // A stdlib name cannot be renamed.
    let (line, column) = position_of(A, "mobile: phone");
    let refused = client.call(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&a)}, "position": {"line": line, "character": column + 9}, "newName": "tel"}),
    );
    assert!(refused.get("error").is_some(), "{refused}");

    client.shutdown();
}

#[test]
fn formatting_gives_the_bytes_of_procc_fmt() {
    let (_dir, a, _) = project();
    let root = a.parent().expect("dir").to_path_buf();
    let messy = "procedure   x :follow_up{\nlabel \"X\"    // why\n\n\n   question \"Q?\"\n trigger always}\n";
    let path = root.join("messy.proc");
    std::fs::write(&path, messy).expect("write");
    let mut client = Client::start(&root);
    client.open(&path, messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&path)}, "options": {"tabSize": 8, "insertSpaces": false}}),
    );
    let formatted = apply(
        messy,
        &edits[0]["range"],
        edits[0]["newText"].as_str().unwrap_or_default(),
    );
    let output = support::procc()
        .arg("fmt")
        .arg(&path)
        .output()
        .expect("procc fmt");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(formatted, std::fs::read_to_string(&path).expect("read"));
    assert_ne!(formatted, messy);
    client.shutdown();
}

/// A project whose audience lists `count` numbers: 300 need more values at once than a
/// bundle's stack holds, which only generating and verifying the program finds (E0181);
/// `spare` adds an audience nothing uses (W0103, found by the analysis).
fn listed(count: usize, spare: bool) -> String {
    let items: Vec<String> = (0..count).map(|i| i.to_string()).collect();
    let spare = if spare {
        "audience spare = customer.orders > 1\n\n"
    } else {
        ""
    };
    format!(
        "customer {{\n  orders: int\n}}\n\n{spare}audience listed = customer.orders in [{}]\n\n\
         procedure p: follow_up {{\n  label \"P\"\n  question \"Q\"\n  audience listed\n  trigger always\n}}\n",
        items.join(",")
    )
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

fn whole(text: &str) -> Value {
    json!({"start": {"line": 0, "character": 0},
           "end": {"line": text.lines().count() + 1, "character": 0}})
}

#[test]
fn verifier_diagnostics_follow_the_analysis_and_a_later_edit_supersedes_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical");
    let path = root.join("listed.proc");
    let broken = listed(300, false);
    std::fs::write(&path, &broken).expect("write");
    let mut client = Client::start(&root);

    // The limit only code generation and verification find still reaches the editor, at
    // the list, as `procc check` reports it.
    client.open(&path, &broken);
    let seen = client.diagnostics_until(&path, |d| codes(d) == ["E0181"]);
    let error = &seen[seen.len() - 1][0];
    assert_eq!(error["severity"], json!(1), "{error}");
    let (line, _) = position_of(&broken, "audience listed");
    assert_eq!(error["range"]["start"]["line"], json!(line), "{error}");
    let check = support::procc()
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .expect("procc check");
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("E0181"),
        "{check:?}"
    );

    // Fixed: clean.
    let fixed = listed(3, false);
    client.replace(&path, 2, whole(&broken), &fixed);
    client.diagnostics_until(&path, <[Value]>::is_empty);

    // Broken again, with an analysis warning too, and fixed right away: the broken
    // text's check answers a request in between (so its analysis is published and its
    // verification started), and the fixing edit, already queued when that check ends,
    // supersedes it: the verifier's outcome for the broken text is never published.
    //
    // That the fixing edit is queued in time depends on the server's reader thread
    // being scheduled (all three messages arrive in one write), which a heavily loaded
    // machine can delay; so the burst is tried up to three times, and the test fails
    // only if every try published the superseded outcome — which is what happens each
    // time when outdated verifier results are not dropped.
    let spare = listed(300, true);
    let mut version = 3;
    let mut tries = Vec::new();
    let superseded = (0..3).any(|_| {
        let seen = supersede_burst(&mut client, &path, &fixed, &spare, version);
        version += 2;
        let clean = seen
            .iter()
            .all(|d| !codes(d).contains(&"E0181".to_string()));
        tries.push(seen);
        clean
    });
    assert!(
        superseded,
        "the superseded verification was published on every try: {tries:?}"
    );

    // And broken once more: the verifier's diagnostic comes back with the warning.
    client.replace(&path, version, whole(&fixed), &spare);
    client.diagnostics_until(&path, |d| {
        let codes = codes(d);
        codes.contains(&"E0181".to_string()) && codes.contains(&"W0103".to_string())
    });
    client.shutdown();
}

/// Sends, in one write, an edit to `spare` (broken, with a warning), a request, and an
/// edit back to `fixed`; returns the file's diagnostics published until it is clean
/// again, after checking that the broken text's analysis came first and that nothing
/// is published after the fixed text's check.
fn supersede_burst(
    client: &mut Client,
    path: &Path,
    fixed: &str,
    spare: &str,
    version: i64,
) -> Vec<Vec<Value>> {
    let id = client.next_id;
    client.next_id += 1;
    let messages = [
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
               "params": {"textDocument": {"uri": uri(path), "version": version},
                          "contentChanges": [{"range": whole(fixed), "text": spare}]}}),
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/documentSymbol",
               "params": {"textDocument": {"uri": uri(path)}}}),
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
               "params": {"textDocument": {"uri": uri(path), "version": version + 1},
                          "contentChanges": [{"range": whole(spare), "text": fixed}]}}),
    ];
    let burst: String = messages
        .iter()
        .map(|m| {
            let body = m.to_string();
            format!("Content-Length: {}\r\n\r\n{body}", body.len())
        })
        .collect();
    client.stdin.write_all(burst.as_bytes()).expect("write");
    client.stdin.flush().expect("flush");
    let seen = client.diagnostics_until(path, <[Value]>::is_empty);
    assert_eq!(
        codes(&seen[0]),
        ["W0103"],
        "the broken text's analysis first: {seen:?}"
    );
    // A request round trip: nothing more comes for the fixed text.
    let _ = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(path)}}),
    );
    let uri_of_path = uri(path);
    let later: Vec<&Value> = client
        .stashed
        .iter()
        .filter(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(uri_of_path)
        })
        .collect();
    assert!(
        later.is_empty(),
        "published after the fixing edit's check: {later:?}"
    );
    // The burst's own request was answered too; its answer is not needed.
    client.stashed.retain(|m| m["id"] != json!(id));
    seen
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["label"].as_str().map(str::to_string))
        .collect()
}

/// Applies one protocol edit (ASCII text: columns are bytes).
fn apply(text: &str, range: &Value, new_text: &str) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap_or(0) as usize;
        let character = position["character"].as_u64().unwrap_or(0) as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        (start + character).min(text.len())
    };
    let (start, end) = (offset(&range["start"]), offset(&range["end"]));
    format!("{}{new_text}{}", &text[..start], &text[end..])
}

/// The start of each diagnostic published, with its code.
fn starts(diagnostics: &[Value]) -> Vec<(String, Value)> {
    let mut starts: Vec<(String, Value)> = diagnostics
        .iter()
        .map(|d| {
            let code = d["code"].as_str().unwrap_or_default().to_string();
            (code, d["range"]["start"].clone())
        })
        .collect();
    starts.sort_by_key(|(code, start)| (code.clone(), start.to_string()));
    starts
}

/// Edits re-parse only the declarations they change (the server's parse cache): the
/// others' parse is moved, so every diagnostic, syntax or semantic, must still point at
/// the right place after lines are added above, a declaration is broken, and fixed.
#[test]
fn diagnostics_follow_declarations_that_moved_after_an_edit() {
    let (_dir, a, b) = project();
    let root = a.parent().expect("dir").to_path_buf();
    let mut client = Client::start(&root);
    client.open(&b, B);
    let opened = client.diagnostics(&b);
    let error_at = |text: &str, needle: &str| {
        let (line, character) = position_of(text, needle);
        json!({"line": line, "character": character})
    };
    let unknown = opened
        .iter()
        .find_map(|d| d["code"].as_str().map(str::to_string))
        .expect("the unknown name's code");
    assert_eq!(
        starts(&opened),
        vec![(unknown.clone(), error_at(B, "emial"))]
    );

    // Two lines above everything: every declaration moves, none changes.
    let moved = format!("// one\n// two\n{B}");
    client.replace(&b, 2, whole(B), &moved);
    assert_eq!(
        starts(&client.diagnostics(&b)),
        vec![(unknown.clone(), error_at(&moved, "emial"))]
    );

    // A declaration cut short in the middle: its error names the next one, and the
    // declarations after it move by its length.
    let broken = moved.replace("audience pro =", "secret\naudience pro =");
    client.replace(&b, 3, whole(&moved), &broken);
    let diagnostics = client.diagnostics(&b);
    assert_eq!(
        starts(&diagnostics),
        vec![
            ("E0001".to_string(), error_at(&broken, "audience pro")),
            (unknown.clone(), error_at(&broken, "emial")),
        ],
        "{diagnostics:?}"
    );

    // Fixed again, and the lines above removed: back to the first diagnostics.
    client.replace(&b, 4, whole(&broken), B);
    assert_eq!(
        starts(&client.diagnostics(&b)),
        vec![(unknown, error_at(B, "emial"))]
    );
    client.shutdown();
}
