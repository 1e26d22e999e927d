//! Lookups (LANGUAGE.md §4, §7) through `procc run`: in host-HTTP mode (the `request`
//! outputs carry `lookup`, the test answers with `result`), and with procc performing
//! HTTP against a server on 127.0.0.1; and the fixture's test blocks through `procc test`.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

#[path = "common/http.rs"]
mod http;
mod serve_support;
mod support;

use serde_json::{Value, json};

use http::{Answer, LocalServer, Request as Received};
use support::{procc, protocol_outputs, run_with_stdin};

const FIXTURE: &str = "tests/fixtures/lookups/bank.proc";

/// Runs `procc run` on `dir` with `inputs` (JSON lines, conversation `c`), giving
/// every output.
fn run(dir: &std::path::Path, extra: &[&str], inputs: &[Value]) -> Vec<Value> {
    let mut stdin = String::new();
    for input in inputs {
        let mut input = input.clone();
        input["conversation"] = json!("c");
        stdin.push_str(&input.to_string());
        stdin.push('\n');
    }
    let mut command = procc();
    command.arg("run").arg(dir).args(extra);
    command.env_remove("PROCC_SECRET_BANK_TOKEN");
    protocol_outputs(run_with_stdin(&mut command, &stdin))
}

/// The fixture in a fresh directory, its URLs pointing at `base`.
fn project(base: &str) -> tempfile::TempDir {
    project_of(FIXTURE, base)
}

/// `fixture` in a fresh directory, its URLs pointing at `base`.
fn project_of(fixture: &str, base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(fixture)
        .unwrap()
        .replace("https://bank.example", base);
    std::fs::write(dir.path().join("bank.proc"), source).unwrap();
    dir
}

fn start(id: &str, secret: bool) -> Value {
    let secrets = if secret {
        json!({"bank_token": "tok"})
    } else {
        json!({})
    };
    json!({"event": "start", "customer": {"id": id}, "secrets": secrets})
}

fn click(procedure: &str) -> Value {
    json!({"event": "click", "procedure": procedure})
}

fn answer(var: &str, value: Value) -> Value {
    json!({"event": "answer", "var": var, "value": value})
}

fn result(status: Option<u16>, response: Value) -> Value {
    match status {
        Some(status) => {
            json!({"event": "result", "ok": true, "status": status, "response": response})
        }
        None => json!({"event": "result", "ok": false}),
    }
}

fn actions(outputs: &[Value]) -> Vec<String> {
    outputs
        .iter()
        .map(|o| o["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn says(outputs: &[Value]) -> Vec<String> {
    outputs
        .iter()
        .filter(|o| o["action"] == "say")
        .map(|o| o["text"].as_str().unwrap().to_owned())
        .collect()
}

fn requests(outputs: &[Value]) -> Vec<&Value> {
    outputs
        .iter()
        .filter(|o| o["action"] == "request")
        .collect()
}

#[test]
fn host_http_lookup_is_a_request_output_and_is_kept_for_the_conversation() {
    let dir = project("https://bank.example");
    let outputs = run(
        dir.path(),
        &["--host-http"],
        &[
            start("u/1", true),
            json!({"event": "faq", "id": "faq_transfers"}),
            click("transfer_money"),
            result(Some(200), json!({"balance": 70, "owner": "Ann"})),
            answer("recipient", json!("Bob")),
            answer("amount", json!(500)),
            answer("amount", json!(50)),
            json!({"event": "approve", "granted": true}),
            result(Some(200), json!({"id": "T1"})),
            // The label reads the lookup now that it is known; a new run does not
            // fetch it again.
            json!({"event": "faq", "id": "faq_transfers"}),
            click("transfer_money"),
            // A lookup is never answered nor provided.
            answer("account", json!({"balance": 1})),
            json!({"event": "provide", "vars": {"account": {"balance": 1}}}),
        ],
    );
    let sent = requests(&outputs);
    assert_eq!(sent.len(), 2, "{outputs:#?}");
    let lookup = sent[0];
    assert_eq!(lookup["lookup"], "account");
    assert_eq!(lookup["method"], "GET");
    assert_eq!(lookup["url"], "https://bank.example/accounts/u%2F1");
    assert_eq!(lookup["headers"]["Authorization"], "Bearer tok");
    assert_eq!(lookup["timeout_ms"], 3000);
    assert!(sent[1].get("lookup").is_none(), "{:?}", sent[1]);
    let invalid = outputs.iter().find(|o| o["action"] == "invalid").unwrap();
    assert_eq!(invalid["message"], "You have 70 on your account.");
    assert_eq!(says(&outputs), ["Sent 50 to Bob."]);
    let offers: Vec<&Value> = outputs.iter().filter(|o| o["action"] == "offer").collect();
    assert_eq!(
        offers[0]["procedures"][0]["label"],
        "Send money from your account"
    );
    assert_eq!(offers[1]["procedures"][0]["label"], "Send money from Ann");
    let tail = &actions(&outputs)[outputs.len() - 3..];
    assert_eq!(tail, ["ask", "error", "error"], "{outputs:#?}");
    let codes: Vec<&Value> = outputs.iter().map(|o| &o["code"]).collect();
    assert_eq!(codes[outputs.len() - 2], "unexpected_answer");
    assert_eq!(codes[outputs.len() - 1], "unknown_var");
}

#[test]
fn host_http_lookup_failures_end_the_run_with_reason_lookup() {
    let dir = project("https://bank.example");
    let case = |id: &str, secret: bool, answered: Option<Value>| {
        let mut inputs = vec![
            start(id, secret),
            json!({"event": "faq", "id": "faq_transfers"}),
            click("transfer_money"),
        ];
        inputs.extend(answered);
        run(dir.path(), &["--host-http"], &inputs)
    };
    // An HTTP answer outside 2xx: `status` is set.
    let outputs = case(
        "u1",
        true,
        Some(result(Some(503), json!({"error": "busy"}))),
    );
    assert_eq!(
        says(&outputs),
        ["I cannot see your account right now (status 503)."]
    );
    assert_eq!(outputs.last().unwrap()["outcome"], "failed");
    // A body that does not match `returns`.
    let outputs = case("u1", true, Some(result(Some(200), json!({"balance": "x"}))));
    assert_eq!(
        says(&outputs),
        ["I cannot see your account right now (status 200)."]
    );
    // No answer at all: `ok: false` without a status.
    let outputs = case("u1", true, Some(result(None, json!(null))));
    assert_eq!(
        says(&outputs),
        ["I cannot see your account right now (status 0)."]
    );
    // A value that makes a whole path segment `..`: never sent.
    let outputs = case("..", true, None);
    assert!(requests(&outputs).is_empty(), "{outputs:#?}");
    assert_eq!(
        says(&outputs),
        ["I cannot see your account right now (status 0)."]
    );
    // A secret nobody supplied: never sent, reason `missing`.
    let outputs = case("u1", false, None);
    assert!(requests(&outputs).is_empty(), "{outputs:#?}");
    assert_eq!(says(&outputs), ["A credential is missing."]);
    assert_eq!(outputs.last().unwrap()["outcome"], "failed");
}

#[test]
fn host_http_validation_and_local_lookups_and_corrections() {
    let dir = project("https://bank.example");
    let outputs = run(
        dir.path(),
        &["--host-http"],
        &[
            start("u1", true),
            json!({"event": "faq", "id": "faq_slots"}),
            click("book_slot"),
            answer("city", json!("Paris")),
            result(Some(200), json!({"count": 3})),
            result(Some(200), json!({"count": 1})),
            // A correction of `city` forgets `offices` and `holidays`: `offices` is
            // fetched again, `holidays` is absent by its `when`.
            answer("city", json!("Lyon")),
            result(Some(200), json!({"count": 1})),
            answer("day", json!("2026-03-02")),
            result(Some(200), json!({"open": false})),
            answer("day", json!("2026-03-03")),
            result(Some(200), json!({"open": true})),
            result(Some(200), json!({})),
            // A local lookup is kept for one run only.
            json!({"event": "faq", "id": "faq_slots"}),
            click("book_slot"),
            answer("city", json!("Paris")),
        ],
    );
    let sent: Vec<(String, String, Option<String>)> = requests(&outputs)
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["url"].as_str().unwrap().to_owned(),
                r["lookup"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let lookup = |m: &str, u: &str, l: &str| (m.into(), u.into(), Some(l.into()));
    assert_eq!(
        sent,
        [
            lookup("POST", "https://bank.example/offices/search", "offices"),
            lookup("GET", "https://bank.example/holidays/Paris", "holidays"),
            lookup("POST", "https://bank.example/offices/search", "offices"),
            lookup("GET", "https://bank.example/days/2026-03-02", "free"),
            lookup("GET", "https://bank.example/days/2026-03-03", "free"),
            ("POST".into(), "https://bank.example/bookings".into(), None),
            lookup("POST", "https://bank.example/offices/search", "offices"),
        ],
        "{outputs:#?}"
    );
    let offices: Vec<&Value> = requests(&outputs)
        .into_iter()
        .filter(|r| r["lookup"] == "offices")
        .collect();
    assert_eq!(offices[0]["body"], json!({"city": "Paris"}));
    assert_eq!(offices[1]["body"], json!({"city": "Lyon"}));
    // A POST carries an idempotency key, a lookup's too.
    assert!(
        offices[0]["idempotency_key"]
            .as_str()
            .is_some_and(|k| k.len() == 32)
    );
    let asks: Vec<&Value> = outputs
        .iter()
        .filter(|o| o["action"] == "ask" && o["var"] == "day")
        .collect();
    assert_eq!(asks[0]["prompt"], "Which day? (3 offices in Paris)");
    assert_eq!(asks[1]["prompt"], "Which day? (1 offices in Lyon)");
    let invalid = outputs.iter().find(|o| o["action"] == "invalid").unwrap();
    assert_eq!(invalid["message"], "2026-03-02 is full.");
    assert_eq!(says(&outputs), ["Booked 2026-03-03 in Lyon."]);
}

/// The routes of the bank the fixture talks to.
fn bank(request: &Received) -> Answer {
    let path = request.path();
    let (status, body) = match path {
        "/accounts/u1" => (200, json!({"balance": 70, "owner": "Ann"})),
        "/accounts/gone" => (404, json!({"error": "no such account"})),
        "/offices/search" => (200, json!({"count": 2})),
        "/holidays/Paris" => (200, json!({"count": 1})),
        "/days/2026-03-02" => (200, json!({"open": false})),
        "/days/2026-03-03" => (200, json!({"open": true})),
        "/bookings" | "/transfers" => (200, json!({"id": "T1"})),
        _ => (500, json!({})),
    };
    (status, String::new(), body.to_string())
}

#[test]
fn procc_performs_lookups_over_real_http() {
    let server = LocalServer::start(|request, _, _| bank(request));
    let dir = project(&base(&server));
    let outputs = run(
        dir.path(),
        &[],
        &[
            start("u1", true),
            json!({"event": "faq", "id": "faq_transfers"}),
            click("transfer_money"),
            answer("recipient", json!("Bob")),
            answer("amount", json!(500)),
            answer("amount", json!(50)),
            json!({"event": "approve", "granted": true}),
            json!({"event": "faq", "id": "faq_slots"}),
            click("book_slot"),
            answer("city", json!("Paris")),
            answer("day", json!("2026-03-02")),
            answer("day", json!("2026-03-03")),
        ],
    );
    assert!(requests(&outputs).is_empty(), "procc performs the requests");
    assert_eq!(
        says(&outputs),
        ["Sent 50 to Bob.", "Booked 2026-03-03 in Paris."],
        "{outputs:#?}"
    );
    let account = server.requests_to("/accounts/u1");
    assert_eq!(account.len(), 1, "fetched once for the conversation");
    assert_eq!(account[0].method, "GET");
    assert_eq!(account[0].headers["authorization"], "Bearer tok");
    let search = server.requests_to("/offices/search");
    assert_eq!(search.len(), 1);
    assert_eq!(search[0].method, "POST");
    assert_eq!(search[0].body, r#"{"city":"Paris"}"#);
    assert!(search[0].headers.contains_key("idempotency-key"));
    assert_eq!(server.requests_to("/holidays/Paris").len(), 1);
    assert_eq!(server.requests_to("/days/2026-03-02").len(), 1);
    assert_eq!(server.requests_to("/days/2026-03-03").len(), 1);
    let day = outputs
        .iter()
        .find(|o| o["action"] == "ask" && o["var"] == "day")
        .unwrap();
    assert_eq!(day["prompt"], "Which day? (2 offices in Paris)");

    // A failing lookup over HTTP: `status` reaches `on failure`.
    let outputs = run(
        dir.path(),
        &[],
        &[
            start("gone", true),
            json!({"event": "faq", "id": "faq_transfers"}),
            click("transfer_money"),
        ],
    );
    assert_eq!(
        says(&outputs),
        ["I cannot see your account right now (status 404)."]
    );
    assert_eq!(outputs.last().unwrap()["outcome"], "failed");
    // A missing secret: nothing reaches the server.
    let before = server.received().len();
    let outputs = run(
        dir.path(),
        &[],
        &[
            start("u1", false),
            json!({"event": "faq", "id": "faq_transfers"}),
            click("transfer_money"),
        ],
    );
    assert_eq!(says(&outputs), ["A credential is missing."]);
    assert_eq!(server.received().len(), before);
}

#[test]
fn lookup_events_are_logged() {
    let server = LocalServer::start(|request, _, _| bank(request));
    let dir = project(&base(&server));
    let events = dir.path().join("events.jsonl");
    let events_arg = events.to_str().unwrap().to_owned();
    run(
        dir.path(),
        &["--events", &events_arg],
        &[
            start("gone", true),
            json!({"event": "faq", "id": "faq_transfers"}),
            click("transfer_money"),
        ],
    );
    let log = std::fs::read_to_string(&events).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lookup = lines
        .iter()
        .find(|e| e["event"] == "lookup_result")
        .expect("a lookup result event");
    assert_eq!(lookup["lookup"], "account");
    assert_eq!(lookup["ok"], false);
    assert_eq!(lookup["status"], 404);
    let done = lines.iter().find(|e| e["event"] == "done").unwrap();
    assert_eq!(done["reason"], "lookup");
    assert!(!log.contains("tok\""), "the secret is not logged");
    // `procc report` counts the lookup's failure, per lookup and by reason.
    let report = procc().arg("report").arg(&events).output().unwrap();
    let report = String::from_utf8(report.stdout).unwrap();
    let row = |first: &str| {
        report
            .lines()
            .find(|l| l.split_whitespace().next() == Some(first))
            .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    };
    assert_eq!(
        row("lookup").unwrap(),
        ["lookup", "fetched", "failed"],
        "{report}"
    );
    assert_eq!(row("account").unwrap(), ["account", "0", "1"], "{report}");
    let json = procc()
        .arg("report")
        .arg(&events)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        json["lookups"],
        json!([{"lookup": "account", "fetched": 0, "failed": 1}])
    );
    let transfer = &json["procedures"][0];
    assert_eq!(transfer["failed_by_reason"]["lookup"], 1);
}

#[test]
fn the_fixture_test_blocks_pass() {
    let output = procc().arg("test").arg(FIXTURE).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("5 passed, 0 failed"), "{stdout}");
}

#[test]
fn inspect_shows_lookups_and_their_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bank.procb");
    let built = procc()
        .args(["build", FIXTURE, "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(built.status.success());
    let text = procc().arg("inspect").arg(&bundle).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("collects: city -> offices -> holidays -> day"),
        "{text}"
    );
    assert!(text.contains("requires: #1 after holidays"), "{text}");
    assert!(
        text.contains("offices: json (local to book_slot), lookup POST returning count, depends on city (guard)"),
        "{text}"
    );
    assert!(text.contains("validated by free"), "{text}");
    assert!(text.contains("Lookup GET timeout 3000ms retry 1"), "{text}");
    let json = procc()
        .arg("inspect")
        .arg(&bundle)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let vars = json["variables"].as_array().unwrap();
    let account = vars.iter().find(|v| v["name"] == "account").unwrap();
    assert_eq!(account["lookup"]["method"], "GET");
    assert_eq!(account["lookup"]["returns"], json!(["balance", "owner"]));
    let day = vars.iter().find(|v| v["name"] == "day").unwrap();
    assert_eq!(day["validated_by"], json!(["free"]));
    assert!(day["lookup"].is_null());
}

#[test]
fn host_given_values_wait_for_their_validation_lookups() {
    let dir = project("https://bank.example");
    let urls = |outputs: &[Value]| -> Vec<String> {
        requests(outputs)
            .iter()
            .map(|r| r["url"].as_str().unwrap().to_owned())
            .collect()
    };
    // `provide` while another question is asked: the day is validated first.
    let outputs = run(
        dir.path(),
        &["--host-http"],
        &[
            start("u1", true),
            json!({"event": "faq", "id": "faq_slots"}),
            click("book_slot"),
            json!({"event": "provide", "vars": {"city": "Lyon", "day": "2026-03-03"}}),
            result(Some(200), json!({"open": true})),
            result(Some(200), json!({"count": 1})),
            result(Some(200), json!({})),
        ],
    );
    assert_eq!(
        urls(&outputs),
        [
            "https://bank.example/days/2026-03-03",
            "https://bank.example/offices/search",
            "https://bank.example/bookings",
        ],
        "{outputs:#?}"
    );
    assert_eq!(says(&outputs), ["Booked 2026-03-03 in Lyon."]);
    // `click … vars` with a day that is full: refused, then asked.
    let outputs = run(
        dir.path(),
        &["--host-http"],
        &[
            start("u1", true),
            json!({"event": "faq", "id": "faq_slots"}),
            json!({"event": "click", "procedure": "book_slot", "vars": {"city": "Lyon", "day": "2026-03-02"}}),
            result(Some(200), json!({"open": false})),
            result(Some(200), json!({"count": 1})),
        ],
    );
    assert_eq!(
        urls(&outputs),
        [
            "https://bank.example/days/2026-03-02",
            "https://bank.example/offices/search",
        ],
        "{outputs:#?}"
    );
    let invalid = outputs.iter().find(|o| o["action"] == "invalid").unwrap();
    assert_eq!(invalid["message"], "2026-03-02 is full.");
    let last = outputs.last().unwrap();
    assert_eq!(
        (&last["action"], &last["var"]),
        (&json!("ask"), &json!("day"))
    );
}

#[test]
fn procc_serve_fetches_lookups_and_keeps_them_across_a_kill() {
    let server = LocalServer::start(|request, _, _| bank(request));
    let dir = project(&base(&server));
    let store = tempfile::tempdir().unwrap();
    let send = |serve: &serve_support::Serve, event: Value| {
        let mut event = event;
        event["conversation"] = json!("c");
        serve.send(event)
    };
    let serve = serve_support::Serve::start(dir.path(), store.path());
    send(&serve, start("u1", true));
    send(&serve, json!({"event": "faq", "id": "faq_transfers"}));
    let outputs = send(&serve, click("transfer_money"));
    assert_eq!(outputs[0]["action"], "ask", "{outputs:?}");
    assert_eq!(server.requests_to("/accounts/u1").len(), 1);
    // `kill -9`, then a restart on the same store: the account is still known.
    drop(serve);
    let serve = serve_support::Serve::start(dir.path(), store.path());
    send(&serve, answer("recipient", json!("Bob")));
    let outputs = send(&serve, answer("amount", json!(500)));
    assert_eq!(
        outputs[0]["message"], "You have 70 on your account.",
        "{outputs:?}"
    );
    assert_eq!(
        server.requests_to("/accounts/u1").len(),
        1,
        "not fetched again"
    );
}

/// The diagnostic codes `procc check` gives for `source`, in order.
fn codes(source: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.proc"), source).unwrap();
    let output = procc()
        .arg("check")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn lookup_checks() {
    let lookup = r#"customer { id: text }
lookup acct {
  request GET "https://x.example/a/{customer.id}"
  returns { vip: bool, name: text }
}
"#;
    let offered = |items: &str| {
        format!("{lookup}procedure p: follow_up {{ {items} question \"q\" trigger always }}\n")
    };
    // Read if known in a label and an audience: optional there.
    let clean = format!(
        "{lookup}audience vips = acct.vip ?? false\n\
         procedure p: follow_up {{ label \"Hi {{acct.name ?? \"you\"}}\" audience vips question \"Q {{acct.name}}\" trigger always }}\n"
    );
    assert_eq!(codes(&clean), Vec::<String>::new());
    assert_eq!(codes(&offered("label \"Hi {acct.name}\"")), ["E0111"]);
    assert_eq!(
        codes(&offered("label \"x\" require acct.nope else \"no\"")),
        ["E0114"]
    );
    // A lookup is no variable a test may expect to be asked.
    assert_eq!(
        codes(&format!(
            "{}test \"t\" {{ send message \"hi\" expect ask acct }}\n",
            offered("label \"x\" require acct.vip else \"no\"")
        )),
        ["E0104"]
    );
    // Lookups that need each other are a cycle; a validation lookup is not.
    let cycle = r#"lookup a1 { request GET "https://x.example/{a2}" }
lookup a2 { request GET "https://x.example/{a1}" }
procedure p: follow_up { label "x" question "{a1}" trigger always }
"#;
    assert_eq!(codes(cycle), ["E0190"]);
    let validation = r#"procedure p: follow_up {
  label "x"
  var day: date { ask "Which day?" check free.open else "Full." }
  lookup free { request GET "https://x.example/days/{day}" returns { open: bool } }
  question "{day}"
  trigger always
}
"#;
    assert_eq!(codes(validation), Vec::<String>::new());
    // Only reads: GET, or a POST marked reversible; a secret only as itself.
    let method = |method: &str, extra: &str| {
        format!(
            "secret k\nlookup s {{ request {method} \"https://x.example/s\" {{ header \"K\" = \"{{secret.k}}\" }} {extra} }}\n\
             procedure p: follow_up {{ label \"x\" question \"{{s}}\" trigger always }}\n"
        )
    };
    assert_eq!(codes(&method("POST", "reversible")), Vec::<String>::new());
    assert_eq!(codes(&method("POST", "")), ["E0210"]);
    assert_eq!(codes(&method("DELETE", "reversible")), ["E0210"]);
    let leak = "secret k\nlookup s { request GET \"https://x.example/{secret.k}\" }\n\
                procedure p: follow_up { label \"x\" question \"{s}\" trigger always }\n";
    assert!(codes(leak).contains(&"E0160".to_owned()));
    // A lookup without request; an unused one.
    assert_eq!(
        codes(
            "lookup n { returns { a: int } }\nprocedure p: follow_up { label \"x\" question \"{n.a}\" trigger always }\n"
        ),
        ["E0131"]
    );
    assert_eq!(codes(&offered("label \"x\"")), ["W0106"]);
}

#[test]
fn a_validation_lookup_whose_when_fails_is_not_fetched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.proc"),
        r#"procedure p: follow_up {
  label "x"
  var n: int { ask "n?" check known.ok ?? true else "{n} is unknown." }
  lookup known {
    request GET "https://x.example/n/{n}"
    when n > 10
    returns { ok: bool }
  }
  question "n is {n}"
  trigger always
}
"#,
    )
    .unwrap();
    let outputs = run(
        dir.path(),
        &["--host-http"],
        &[
            json!({"event": "start", "customer": {}}),
            json!({"event": "message"}),
            click("p"),
            answer("n", json!(20)),
            result(Some(200), json!({"ok": false})),
            answer("n", json!(5)),
        ],
    );
    let sent = requests(&outputs);
    assert_eq!(sent.len(), 1, "{outputs:#?}");
    assert_eq!(sent[0]["url"], "https://x.example/n/20");
    let invalid = outputs.iter().find(|o| o["action"] == "invalid").unwrap();
    assert_eq!(invalid["message"], "20 is unknown.");
    let follow_up = outputs.iter().find(|o| o["action"] == "follow_up").unwrap();
    assert_eq!(follow_up["question"], "n is 5");
}

/// The contract's §4 `transfer_money` example.
const TRANSFER: &str = "tests/fixtures/transfer/bank.proc";

/// One run of `transfer_money` for customer `id`, answering `amount` (when asked), then
/// `decision` for the approval (when asked) and `results` for the host's HTTP (host-HTTP
/// mode, else none): every output.
fn transfer(
    dir: &std::path::Path,
    host: bool,
    id: &str,
    amount: i64,
    decision: Option<bool>,
    results: &[Value],
) -> Vec<Value> {
    let mut inputs = vec![
        start(id, true),
        json!({"event": "faq", "id": "faq_transfers"}),
        click("transfer_money"),
    ];
    let mut results = results.iter().cloned();
    if host {
        inputs.extend(results.next());
    }
    inputs.push(answer("recipient", json!("Eve")));
    inputs.push(answer("recipient", json!("bob")));
    inputs.push(answer("amount", json!(amount)));
    match decision {
        Some(granted) => {
            inputs.push(json!({"event": "approve", "granted": granted, "by": "customer"}))
        }
        None => inputs.push(json!({"event": "cancel"})),
    }
    if host {
        inputs.extend(results);
    }
    let extra: &[&str] = if host { &["--host-http"] } else { &[] };
    run(dir, extra, &inputs)
}

/// The last `say`, and the outcome of the run.
fn ending(outputs: &[Value]) -> (String, String) {
    let done = outputs
        .iter()
        .rev()
        .find(|o| o["action"] == "done")
        .expect("a done");
    let said = says(outputs).last().cloned().unwrap_or_default();
    (said, done["outcome"].as_str().unwrap().to_owned())
}

/// A host-HTTP run of `transfer_money`: customer id, amount, decision, the host's
/// results, and the last `say` and outcome expected.
type HostCase = (
    &'static str,
    i64,
    Option<bool>,
    Vec<Value>,
    &'static str,
    &'static str,
);

#[test]
fn transfer_money_in_host_http_mode_through_every_branch() {
    let dir = project_of(TRANSFER, "https://bank.example");
    let account = result(
        Some(200),
        json!({"balance": 70, "payees": ["Bob", "Carol"]}),
    );
    let cases: Vec<HostCase> = vec![
        (
            "u1",
            30,
            Some(true),
            vec![
                account.clone(),
                result(Some(200), json!({"id": "T1", "status": "pending"})),
            ],
            "Your transfer T1 will go out tomorrow.",
            "completed",
        ),
        (
            "u1",
            20,
            Some(true),
            vec![
                account.clone(),
                result(Some(200), json!({"id": "T2", "status": "done"})),
            ],
            "Sent 20 to Bob.",
            "completed",
        ),
        (
            "u1",
            40,
            Some(true),
            vec![
                account.clone(),
                result(Some(409), json!({"error": "duplicate"})),
            ],
            "That transfer was already made.",
            "failed",
        ),
        (
            "u1",
            50,
            Some(true),
            vec![account.clone(), result(Some(500), json!({"error": "boom"}))],
            "The transfer failed.",
            "failed",
        ),
        (
            "u1",
            20,
            Some(false),
            vec![account.clone()],
            "Nothing was sent.",
            "denied",
        ),
        (
            "u1",
            20,
            None,
            vec![account.clone()],
            "Transfer cancelled.",
            "cancelled",
        ),
        (
            "u1",
            20,
            Some(true),
            vec![result(Some(503), json!({"error": "down"}))],
            "I cannot see your account right now.",
            "failed",
        ),
    ];
    for (id, amount, decision, results, said, outcome) in cases {
        let outputs = transfer(dir.path(), true, id, amount, decision, &results);
        assert_eq!(
            ending(&outputs),
            (said.to_owned(), outcome.to_owned()),
            "{outputs:#?}"
        );
        let lookup = requests(&outputs)[0];
        assert_eq!(lookup["lookup"], "account");
        assert_eq!(lookup["url"], "https://bank.example/accounts/u1");
        if outcome == "failed" && said.starts_with("The transfer failed") {
            assert!(outputs.iter().any(|o| o["action"] == "offer" && o["procedures"][0]["id"] == "talk_to_banker"));
        }
        if said.starts_with("I cannot") {
            continue;
        }
        let ask = outputs
            .iter()
            .find(|o| o["action"] == "ask" && o["var"] == "recipient")
            .unwrap();
        assert_eq!(ask["choices"], json!(["Bob", "Carol"]));
        let invalid = outputs.iter().find(|o| o["action"] == "invalid").unwrap();
        assert_eq!(invalid["message"], "You can send money to: Bob, Carol.");
    }
}

/// The bank of the §4 example: the transfer's outcome chosen by its amount.
fn transfer_bank(request: &Received) -> Answer {
    let path = request.path();
    let amount = serde_json::from_str::<Value>(&request.body)
        .ok()
        .and_then(|b| b["amount"].as_f64())
        .unwrap_or_default();
    let (status, body) = match (path, amount as i64) {
        ("/accounts/u1", _) => (200, json!({"balance": 70, "payees": ["Bob", "Carol"]})),
        ("/transfers", 30) => (200, json!({"id": "T1", "status": "pending"})),
        ("/transfers", 20) => (200, json!({"id": "T2", "status": "done"})),
        ("/transfers", 40) => (409, json!({"error": "duplicate"})),
        _ => (500, json!({"error": "boom"})),
    };
    (status, String::new(), body.to_string())
}

#[test]
fn transfer_money_over_real_http_through_every_branch() {
    let server = LocalServer::start(|request, _, _| transfer_bank(request));
    let dir = project_of(TRANSFER, &base(&server));
    let cases: Vec<(&str, i64, Option<bool>, &str, &str)> = vec![
        (
            "u1",
            30,
            Some(true),
            "Your transfer T1 will go out tomorrow.",
            "completed",
        ),
        ("u1", 20, Some(true), "Sent 20 to Bob.", "completed"),
        (
            "u1",
            40,
            Some(true),
            "That transfer was already made.",
            "failed",
        ),
        ("u1", 50, Some(true), "The transfer failed.", "failed"),
        ("u1", 20, Some(false), "Nothing was sent.", "denied"),
        ("u1", 20, None, "Transfer cancelled.", "cancelled"),
        (
            "gone",
            20,
            Some(true),
            "I cannot see your account right now.",
            "failed",
        ),
    ];
    for (id, amount, decision, said, outcome) in cases {
        let outputs = transfer(dir.path(), false, id, amount, decision, &[]);
        assert!(requests(&outputs).is_empty());
        assert_eq!(
            ending(&outputs),
            (said.to_owned(), outcome.to_owned()),
            "{outputs:#?}"
        );
    }
    // Every run fetched the account once, with the secret; only approved runs posted.
    assert_eq!(server.requests_to("/accounts/u1").len(), 6);
    assert_eq!(server.requests_to("/accounts/gone").len(), 1);
    assert!(
        server
            .requests_to("/accounts/u1")
            .iter()
            .all(|r| r.headers["authorization"] == "Bearer tok")
    );
    let posted: Vec<Value> = server
        .requests_to("/transfers")
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(posted.len(), 4);
    assert_eq!(posted[0], json!({"to": "Bob", "amount": 30.0}));
}

#[test]
fn transfer_money_test_blocks_pass() {
    let output = procc().arg("test").arg(TRANSFER).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("7 passed, 0 failed"), "{stdout}");
}

/// `http://127.0.0.1:PORT` of a local server.
fn base(server: &LocalServer) -> String {
    format!("http://127.0.0.1:{}", server.port)
}

/// A lookup without `returns` that a `when` may skip: its fields are `json?`, read with
/// `??` (no error that they "may be absent" and at once that they are "never absent").
const SKIPPABLE_JSON_LOOKUP: &str = r#"var order_id: text {
  ask "Which order?"
}

procedure hold_order: follow_up {
  label "Hold"
  lookup hold {
    request GET "https://shop.example/holds/{order_id}"
    when order_id != "none"
  }
  question "Held as {hold.id ?? "none"}?"
  trigger always
}
"#;

#[test]
fn a_field_of_a_skippable_json_lookup_is_read_with_a_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hold.proc"), SKIPPABLE_JSON_LOOKUP).unwrap();
    let check = procc().arg("check").arg(dir.path()).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let question = |order: &str, fetched: Option<Value>| {
        let mut inputs = vec![
            start("c1", false),
            json!({"event": "message"}),
            click("hold_order"),
            answer("order_id", json!(order)),
        ];
        inputs.extend(fetched.map(|body| result(Some(200), body)));
        let outputs = run(dir.path(), &["--host-http"], &inputs);
        outputs
            .iter()
            .find(|o| o["action"] == "follow_up")
            .map(|o| o["question"].clone())
    };
    // Skipped by its `when`: absent, so the default.
    assert_eq!(question("none", None), Some(json!("Held as none?")));
    // Fetched: the field of the answer.
    assert_eq!(
        question("A1", Some(json!({"id": "H1"}))),
        Some(json!("Held as H1?"))
    );

    // Read without a default, it may be absent: E0111 on the field, and only that.
    let bare = SKIPPABLE_JSON_LOOKUP.replace(r#"{hold.id ?? "none"}"#, "{hold.id}");
    std::fs::write(dir.path().join("hold.proc"), bare).unwrap();
    let check = procc()
        .arg("check")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    let codes: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["code"])
        .collect();
    assert_eq!(codes, [&json!("E0111")], "{report}");
}
