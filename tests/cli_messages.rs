//! Messages through the binary: recovery inside a procedure (one bad item does not hide
//! the others nor bring "unused" warnings), errors before warnings, `--deny-warnings` in
//! the summary, and each snippet of a two-place error headed by its own place.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::process::{Command, Output};

fn check(text: &str, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.proc");
    std::fs::write(&path, text).unwrap();
    Command::new(env!("CARGO_BIN_EXE_procc"))
        .arg("check")
        .args(extra)
        .arg(&path)
        .output()
        .expect("procc runs")
}

fn json(text: &str) -> Vec<(String, String, u64)> {
    let output = check(text, &["--format", "json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const BROKEN: &str = r#"var email: text { ask "Your email?" }
var phone: text { ask "Your phone?" }
audience vip = true
faq hours = "faq_hours"

procedure contact: follow_up {
  lable "Contact us"
  audience vip
  needs email
  question "How do I reach {emial}?"
  on success { say "x" = 1 }
  trigger faq hours
}

procedure call: follow_up {
  label "Call me"
  needs phone
  question "Call {phone} at {customer.when = 1}"
  trigger always
}
"#;

#[test]
fn each_broken_item_is_reported_and_the_rest_of_the_procedure_is_checked() {
    let found = json(BROKEN);
    let codes: Vec<(&str, u64)> = found.iter().map(|(c, _, l)| (c.as_str(), *l)).collect();
    // The misspelt `label`, the unknown `emial` after it, the `=` in `on success`, and
    // the `=` in the second procedure: nothing hides the rest.
    assert_eq!(
        codes,
        [("E0001", 7), ("E0103", 10), ("E0001", 11), ("E0001", 18)],
        "{found:#?}"
    );
    // No "missing label" for `contact`, whose label is there but misspelt; no "unused"
    // for `vip`, `email` or `hours`, which it uses; no "nothing can offer".
    assert!(
        found.iter().all(|(code, _, _)| !code.starts_with('W')),
        "{found:#?}"
    );
}

#[test]
fn names_only_a_broken_declaration_mentions_are_not_unused() {
    let found = json(
        r#"var email: text { ask "Your email?" }

procedure contact follow_up {
  label "Contact us"
  needs email
  question "Write to us"
  trigger always
}
"#,
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "E0001");
}

#[test]
fn unknown_names_read_without_a_stray_article() {
    let found = json(
        r#"var email: text { ask "Your email?" }

procedure contact: follow_up {
  label "Contact us"
  needs emial
  question "How do I reach you?"
  trigger always
}
"#,
    );
    assert!(
        found
            .iter()
            .any(|(_, message, _)| message == "unknown conversation variable `emial`"),
        "{found:#?}"
    );
}

const ERROR_AND_WARNING: &str = r#"var unused_one: text { ask "?" }

procedure contact: follow_up {
  label "Contact us"
  question "How do I reach {nobody}?"
  trigger always
}
"#;

#[test]
fn errors_come_before_warnings_and_denied_warnings_are_named() {
    let output = check(ERROR_AND_WARNING, &["--color", "never"]);
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    let error = text.find("[E0103]").expect("the error is shown");
    let warning = text.find("[W0101]").expect("the warning is shown");
    assert!(error < warning, "{text}");
    let output = check(
        "var unused_one: text { ask \"?\" }\n",
        &["--color", "never", "--deny-warnings"],
    );
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        text.contains("1 warning (warnings are denied by --deny-warnings: the build fails)"),
        "{text}"
    );
}

#[test]
fn each_snippet_of_a_two_place_error_is_headed_by_its_own_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.proc"), "source help = \"src_help\"\n").unwrap();
    std::fs::write(dir.path().join("b.proc"), "\n\nfaq help = \"faq_help\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(["check", "--color", "never", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    // The duplicate is in b.proc (line 3), the first declaration in a.proc (line 1).
    let first_report = text.split("Help:").next().unwrap_or_default();
    let headers: Vec<&str> = first_report
        .lines()
        .filter(|line| line.contains("─[ "))
        .collect();
    assert_eq!(headers.len(), 2, "{text}");
    assert!(headers[0].contains("b.proc:3:5"), "{text}");
    assert!(headers[1].contains("a.proc:1:8"), "{text}");
}
