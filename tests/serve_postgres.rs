//! `procc serve --store postgres://…`: two processes on one database serve the same
//! conversations — alternating inputs give one process's outputs, simultaneous inputs
//! for one conversation are applied one after the other, `kill -9` loses nothing and
//! sends no irreversible call under two idempotency keys, a new bundle leaves old
//! conversations on theirs, and a database with a newer schema is refused.
//!
//! The database comes from `PROCC_TEST_POSTGRES_URL` (`scripts/pg_test_server.sh` starts
//! a private server and sets it; `.ci/run` does so). Each test creates its own database.
//! Without the variable the tests say they are skipped, except under `CI=true`, where
//! they fail.

#![cfg(all(feature = "cli", unix))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "common/http.rs"]
mod http;
mod serve_support;

use http::{read_request, respond};
use serve_support::{free_port, input, read_response};

/// The greeting project shared by the serve tests and the load bench.
const GREET_V1: &str = include_str!("fixtures/greet.proc");

/// The greeting project's second version (other prompts and question).
const GREET_V2: &str = include_str!("fixtures/greet_v2.proc");

/// An irreversible call to the test API at `{api}` (replaced by its address).
const REFUND: &str = r#"
procedure refund: api_call {
  label "Refund my order"
  irreversible
  var order: text { ask "Which order?" }
  approve by customer "Refund order {order}?"
  request POST "{api}/refunds" {
    body { order: order }
    timeout 30s
    retry 0
  }
  returns { id: text }
  on success { say "Refund {response.id} is on its way." }
  on failure { say "The refund failed." }
  trigger always
}
"#;

/// The server's URL for a fresh database of this test, or `None` (skipped) when no
/// server is configured outside CI.
fn fresh_database(name: &str) -> Option<String> {
    let admin = match std::env::var("PROCC_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but PROCC_TEST_POSTGRES_URL is not set: run the tests through \
                 scripts/pg_test_server.sh (as .ci/run does)"
            );
            eprintln!("skipped: set PROCC_TEST_POSTGRES_URL (see scripts/pg_test_server.sh)");
            return None;
        }
    };
    let database = format!("procc_{name}_{}", std::process::id());
    sql(&admin, &format!("DROP DATABASE IF EXISTS {database}"));
    sql(&admin, &format!("CREATE DATABASE {database}"));
    let (server, _) = admin
        .rsplit_once('/')
        .expect("PROCC_TEST_POSTGRES_URL ends with /DATABASE");
    Some(format!("{server}/{database}"))
}

/// Runs a statement on `url` (the test's own client, not procc's); the rows it
/// returns, each value as text.
fn sql(url: &str, statement: &str) -> Vec<Vec<Option<String>>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let driver = tokio::spawn(connection);
        let messages = client.simple_query(statement).await.unwrap();
        drop(client);
        let _ = driver.await;
        messages
            .iter()
            .filter_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    })
}

fn write_project(dir: &Path, source: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("main.proc"), source).unwrap();
    dir.to_owned()
}

/// A client of the `procc serve` listening on `port` (usable while another thread owns
/// the process).
#[derive(Clone, Copy)]
struct Client {
    port: u16,
}

impl Client {
    /// One HTTP/1.1 request; its status (0 when no answer came) and body.
    fn request(self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        read_response(&mut stream)
    }

    /// Posts an input; its outputs, or `None` when no answer came (the process died).
    fn try_send(self, input: &Value) -> Option<Vec<Value>> {
        match self.request("POST", "/v1/events", &input.to_string()) {
            Ok((200, body)) => {
                let body: Value = serde_json::from_str(&body).unwrap();
                Some(body["outputs"].as_array().unwrap().clone())
            }
            Ok((0, _)) | Err(_) => None,
            Ok((status, body)) => panic!("{status}: {body}"),
        }
    }

    fn send(self, input: &Value) -> Vec<Value> {
        self.try_send(input)
            .unwrap_or_else(|| panic!("no answer to {input}"))
    }
}

/// A running `procc serve`, killed (SIGKILL) when dropped.
struct Serve {
    child: Child,
    client: Client,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl std::ops::Deref for Serve {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Serve {
    fn start(project: &Path, store: &str) -> Serve {
        Serve::start_with(project, store, &[])
    }

    fn start_with(project: &Path, store: &str, options: &[&str]) -> Serve {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_procc"))
            .arg("serve")
            .arg(project)
            .args(["--addr", &format!("127.0.0.1:{port}"), "--store", store])
            .args(options)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let serve = Serve {
            child,
            client: Client { port },
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !matches!(serve.request("GET", "/v1/health", ""), Ok((200, _))) {
            assert!(Instant::now() < deadline, "procc serve did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        serve
    }
}

/// A business API on 127.0.0.1: `POST /refunds` executes a refund once per
/// `Idempotency-Key` (a repeated key gets the first answer again) and can hold answers
/// back until released.
#[derive(Default)]
struct Api {
    state: Mutex<ApiState>,
    changed: Condvar,
}

#[derive(Default)]
struct ApiState {
    /// Every request received: (idempotency key, order).
    received: Vec<(String, String)>,
    /// Refunds executed, by key: the order and the refund id answered.
    executed: HashMap<String, (String, String)>,
    /// Whether answers are held back.
    holding: bool,
}

/// What the test API saw: every request (method, path) and each executed call by key.
type ApiLog = (Vec<(String, String)>, HashMap<String, (String, String)>);

impl Api {
    fn start() -> (Arc<Api>, String) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let api = Arc::new(Api::default());
        let shared = api.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let api = shared.clone();
                std::thread::spawn(move || api.serve_one(stream));
            }
        });
        (api, url)
    }

    fn serve_one(&self, stream: TcpStream) {
        let Some(request) = read_request(&stream) else {
            return;
        };
        let body: Value = serde_json::from_str(&request.body).unwrap();
        let key = request
            .headers
            .get("idempotency-key")
            .cloned()
            .unwrap_or_default();
        let order = body["order"].as_str().unwrap_or_default().to_owned();
        let id = {
            let mut state = self.state.lock().unwrap();
            state.received.push((key.clone(), order.clone()));
            self.changed.notify_all();
            let count = state.executed.len();
            let id = state
                .executed
                .entry(key)
                .or_insert_with(|| (order, format!("R{count}")))
                .1
                .clone();
            let _state = self
                .changed
                .wait_while(state, |state| state.holding)
                .unwrap();
            id
        };
        let answer = json!({ "id": id }).to_string();
        // The caller may be dead (killed while waiting): nothing to do then.
        respond(stream, 200, "", &answer);
    }

    fn hold(&self, holding: bool) {
        self.state.lock().unwrap().holding = holding;
        self.changed.notify_all();
    }

    /// Waits until the API has received `count` requests in all.
    fn wait_received(&self, count: usize) {
        let state = self.state.lock().unwrap();
        let (_state, timeout) = self
            .changed
            .wait_timeout_while(state, Duration::from_secs(60), |state| {
                state.received.len() < count
            })
            .unwrap();
        assert!(!timeout.timed_out(), "the API did not get {count} requests");
    }

    fn snapshot(&self) -> ApiLog {
        let state = self.state.lock().unwrap();
        (state.received.clone(), state.executed.clone())
    }
}

/// The outputs with their conversation's id (in `conversation`, and in messages)
/// replaced, to compare two conversations.
fn without_conversation(outputs: &[Value], conversation: &str) -> Value {
    let text = serde_json::to_string(outputs).unwrap();
    serde_json::from_str(&text.replace(conversation, "C")).unwrap()
}

/// A conversation's inputs, with corrections, a cancelled run and an ending.
fn script(conversation: &str, city: &str) -> Vec<Value> {
    let c = conversation;
    vec![
        input(c, "start", json!({"customer": {}})),
        input(c, "message", json!({})),
        input(c, "click", json!({"procedure": "greet"})),
        input(c, "answer", json!({"var": "name", "value": "Ann"})),
        input(c, "answer", json!({"var": "name", "value": "Bea"})),
        input(c, "cancel", json!({})),
        input(c, "message", json!({})),
        input(c, "click", json!({"procedure": "greet"})),
        input(c, "answer", json!({"var": "city", "value": city})),
        input(c, "click", json!({"procedure": "greet"})),
        input(c, "end", json!({})),
        input(c, "message", json!({})),
    ]
}

#[test]
fn inputs_alternating_between_two_processes_give_one_process_outputs() {
    let Some(store) = fresh_database("alternate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let project = write_project(&dir.path().join("v1"), GREET_V1);
    let a = Arc::new(Serve::start(&project, &store));
    let b = Arc::new(Serve::start(&project, &store));

    let threads: Vec<_> = (0..6)
        .map(|i| {
            let (a, b) = (a.clone(), b.clone());
            std::thread::spawn(move || {
                let (one, two) = (format!("alone{i}"), format!("both{i}"));
                let alone: Vec<_> = script(&one, &format!("City{i}"))
                    .iter()
                    .map(|input| without_conversation(&a.send(input), &one))
                    .collect();
                let shared: Vec<_> = script(&two, &format!("City{i}"))
                    .iter()
                    .enumerate()
                    .map(|(n, input)| {
                        let serve = if n % 2 == 0 { &a } else { &b };
                        without_conversation(&serve.send(input), &two)
                    })
                    .collect();
                (alone, shared)
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        let (alone, shared) = thread.join().unwrap();
        assert_eq!(alone, shared);
        // The script did run: the corrected name greeted, a second run asking only the
        // city, and nothing left after the end.
        assert_eq!(alone[8][0]["question"], format!("Hello Bea from City{i}"));
        assert_eq!(alone[9][0]["var"], "city");
        assert_eq!(alone[11][0]["code"], "unknown_conversation");
    }
}

/// The refund project calling `api`.
fn refund_project(dir: &Path, api: &str) -> PathBuf {
    write_project(&dir.join("refund"), &REFUND.replace("{api}", api))
}

/// Runs a conversation up to the approval of its refund, its inputs alternating
/// between `a` and `b`.
fn up_to_approval(a: Client, b: Client, conversation: &str) {
    let c = conversation;
    assert!(
        a.send(&input(c, "start", json!({"customer": {}})))
            .is_empty()
    );
    let offer = b.send(&input(c, "message", json!({})));
    assert_eq!(offer[0]["procedures"][0]["id"], "refund", "{offer:?}");
    let ask = a.send(&input(c, "click", json!({"procedure": "refund"})));
    assert_eq!(ask[0]["var"], "order", "{ask:?}");
    let approve = b.send(&input(c, "answer", json!({"var": "order", "value": c})));
    assert_eq!(approve[0]["action"], "approve", "{approve:?}");
}

fn approve(conversation: &str) -> Value {
    input(
        conversation,
        "approve",
        json!({"granted": true, "by": "customer"}),
    )
}

#[test]
fn one_conversation_s_inputs_sent_at_once_to_both_processes_apply_one_after_the_other() {
    let Some(store) = fresh_database("at_once") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (api, url) = Api::start();
    let project = refund_project(dir.path(), &url);
    let a = Arc::new(Serve::start(&project, &store));
    let b = Arc::new(Serve::start(&project, &store));
    for round in 0..3 {
        let c = format!("twice{round}");
        up_to_approval(a.client, b.client, &c);
        let before = api.snapshot().0.len();
        // The first approval's call is held at the API while the second one arrives at
        // the other process, so both are in flight together.
        api.hold(true);
        let sends: Vec<_> = [a.clone(), b.clone()]
            .into_iter()
            .map(|serve| {
                let c = c.clone();
                std::thread::spawn(move || serve.send(&approve(&c)))
            })
            .collect();
        api.wait_received(before + 1);
        std::thread::sleep(Duration::from_millis(300));
        api.hold(false);
        let mut answers: Vec<_> = sends.into_iter().map(|t| t.join().unwrap()).collect();
        answers.sort_by_key(|outputs| outputs.len());
        // One approval did the refund; the other came after it and found nothing pending.
        assert_eq!(answers[0].len(), 1, "{answers:?}");
        assert_eq!(answers[0][0]["code"], "nothing_pending", "{answers:?}");
        assert_eq!(answers[1][0]["action"], "say", "{answers:?}");
        assert_eq!(answers[1][1]["outcome"], "completed", "{answers:?}");
        let (received, _) = api.snapshot();
        assert_eq!(received.len(), before + 1, "the refund was called once");
    }
}

#[test]
fn kill_9_with_calls_in_flight_loses_nothing_and_calls_each_refund_under_one_key() {
    let Some(store) = fresh_database("kill") else {
        return;
    };
    const CONVERSATIONS: usize = 12;
    let dir = tempfile::tempdir().unwrap();
    let (api, url) = Api::start();
    let project = refund_project(dir.path(), &url);
    let a = Arc::new(Mutex::new(Serve::start(&project, &store)));
    let b = Arc::new(Serve::start(&project, &store));
    let names: Vec<String> = (0..CONVERSATIONS).map(|i| format!("k{i}")).collect();
    {
        let a = a.lock().unwrap();
        for name in &names {
            up_to_approval(a.client, b.client, name);
        }
    }

    // Every approval's call is held at the API; even conversations' went through A,
    // which is killed while they are in flight. Their clients, without an answer, send
    // the same input again to B.
    api.hold(true);
    let a_client = a.lock().unwrap().client;
    let threads: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let b = b.clone();
            let name = name.clone();
            std::thread::spawn(move || {
                let first = if i % 2 == 0 {
                    a_client.try_send(&approve(&name))
                } else {
                    b.try_send(&approve(&name))
                };
                match first {
                    Some(outputs) => (false, outputs),
                    None => (true, b.send(&approve(&name))),
                }
            })
        })
        .collect();
    api.wait_received(CONVERSATIONS);
    {
        let mut a = a.lock().unwrap();
        a.child.kill().unwrap(); // SIGKILL
        a.child.wait().unwrap();
    }
    api.hold(false);
    let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();

    let (received, executed) = api.snapshot();
    assert_eq!(executed.len(), CONVERSATIONS, "one refund per conversation");
    for (i, (name, (retried, outputs))) in names.iter().zip(&answers).enumerate() {
        assert_eq!(
            *retried,
            i % 2 == 0,
            "{name}: only A's clients had to retry"
        );
        let keys: HashSet<_> = received
            .iter()
            .filter(|(_, order)| order == name)
            .map(|(key, _)| key.clone())
            .collect();
        assert_eq!(
            keys.len(),
            1,
            "{name}: every send under one idempotency key"
        );
        let key = keys.into_iter().next().unwrap();
        let sends = received.iter().filter(|(_, order)| order == name).count();
        assert_eq!(sends, if i % 2 == 0 { 2 } else { 1 }, "{name}");
        let refund_id = &executed[&key].1;
        assert_eq!(
            outputs[0]["text"],
            format!("Refund {refund_id} is on its way."),
            "{name}: {outputs:?}"
        );
        assert_eq!(outputs[1]["outcome"], "completed", "{name}: {outputs:?}");
    }

    // A again: every conversation goes on from its last answer, whichever serves it.
    *a.lock().unwrap() = Serve::start(&project, &store);
    let a = a.lock().unwrap();
    for (i, name) in names.iter().enumerate() {
        let (first, second) = if i % 2 == 0 {
            (a.client, b.client)
        } else {
            (b.client, a.client)
        };
        let pending = first.send(&approve(name));
        assert_eq!(pending[0]["code"], "nothing_pending", "{name}: {pending:?}");
        let offer = second.send(&input(name, "message", json!({})));
        assert_eq!(offer[0]["action"], "offer", "{name}: {offer:?}");
        assert!(first.send(&input(name, "end", json!({}))).is_empty());
    }
    assert_eq!(
        api.snapshot().1.len(),
        CONVERSATIONS,
        "no refund called again"
    );
}

#[test]
fn a_new_bundle_keeps_old_conversations_on_theirs_across_both_processes() {
    let Some(store) = fresh_database("bundles") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let v1 = write_project(&dir.path().join("v1"), GREET_V1);
    let v2 = write_project(&dir.path().join("v2"), GREET_V2);
    let a = Serve::start(&v1, &store);
    let b = Serve::start(&v1, &store);
    let c = "old";
    a.send(&input(c, "start", json!({"customer": {}})));
    b.send(&input(c, "message", json!({})));
    a.send(&input(c, "click", json!({"procedure": "greet"})));
    let ask = b.send(&input(c, "answer", json!({"var": "name", "value": "Ann"})));
    assert_eq!(ask[0]["prompt"], "Your city?");

    // A rolling deploy: A comes back on v2 while B still runs v1.
    drop(a);
    let a = Serve::start(&v2, &store);
    let done = a.send(&input(
        c,
        "answer",
        json!({"var": "city", "value": "Paris"}),
    ));
    assert_eq!(done[0]["question"], "Hello Ann from Paris", "{done:?}");
    assert_eq!(done[1]["outcome"], "completed");

    // A conversation started on v2 runs on v2 in the v1 process too: B reads the
    // bundle from the database.
    a.send(&input("new", "start", json!({"customer": {}})));
    let offer = b.send(&input("new", "message", json!({})));
    assert_eq!(offer[0]["procedures"][0]["label"], "Greet me (v2)");
    let ask = b.send(&input("new", "click", json!({"procedure": "greet"})));
    assert_eq!(ask[0]["prompt"], "What is your name?");

    // And B on v2: the old conversation is still on v1 until it starts again.
    drop(b);
    let b = Serve::start(&v2, &store);
    let offer = b.send(&input(c, "message", json!({})));
    assert_eq!(offer[0]["procedures"][0]["label"], "Greet me");
    b.send(&input(c, "start", json!({"customer": {}})));
    let offer = a.send(&input(c, "message", json!({})));
    assert_eq!(offer[0]["procedures"][0]["label"], "Greet me (v2)");
}

/// Starts `procc serve` on `store`, which must refuse to start (exit 2); its stderr.
fn refused_start(project: &Path, store: &str) -> String {
    let refused = Command::new(env!("CARGO_BIN_EXE_procc"))
        .arg("serve")
        .arg(project)
        .args([
            "--addr",
            &format!("127.0.0.1:{}", free_port()),
            "--store",
            store,
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    String::from_utf8_lossy(&refused.stderr).into_owned()
}

#[test]
fn a_database_with_a_newer_schema_or_none_at_all_is_refused() {
    let Some(store) = fresh_database("schema") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let project = write_project(&dir.path().join("v1"), GREET_V1);
    // The first start creates the schema; a second one finds it as it is.
    drop(Serve::start(&project, &store));
    drop(Serve::start(&project, &store));
    sql(&store, "UPDATE procc_schema SET version = version + 1");
    let stderr = refused_start(&project, &store);
    assert!(stderr.contains("newer than this procc knows"), "{stderr}");

    // Nothing listens on the port: a clear error, not a hang or a panic.
    let unreachable = format!("postgres://procc@127.0.0.1:{}/procc", free_port());
    let stderr = refused_start(&project, &unreachable);
    assert!(
        stderr.contains("error: session store: PostgreSQL"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// How many rows `procc_conversations` holds for `conversation`.
fn stored_rows(store: &str, conversation: &str) -> usize {
    let rows = sql(
        store,
        &format!("SELECT count(*) FROM procc_conversations WHERE id = '{conversation}'"),
    );
    rows[0][0].as_deref().unwrap().parse().unwrap()
}

#[test]
fn idle_conversations_end_by_the_database_s_record_whichever_process_served_them() {
    let Some(store) = fresh_database("idle") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let project = write_project(&dir.path().join("v1"), GREET_V1);
    let idle = ["--idle-timeout", "2s"];
    let a = Serve::start_with(&project, &store, &idle);
    let b = Serve::start_with(&project, &store, &idle);
    for c in ["quiet", "busy"] {
        a.send(&input(c, "start", json!({"customer": {}})));
        a.send(&input(c, "message", json!({})));
        let ask = a.send(&input(c, "click", json!({"procedure": "greet"})));
        assert_eq!(ask[0]["var"], "name");
    }
    // "busy" keeps having inputs, at B only (including ones that change nothing);
    // A must not end it by its own memory, nor B end "quiet", which it never saw.
    let deadline = Instant::now() + Duration::from_secs(60);
    while stored_rows(&store, "quiet") > 0 {
        assert!(
            Instant::now() < deadline,
            "the idle conversation was not ended"
        );
        let ask = b.send(&input("busy", "message", json!({})));
        assert!(ask.is_empty(), "busy is still running: {ask:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(stored_rows(&store, "busy"), 1);
    let done = a.send(&input(
        "busy",
        "answer",
        json!({"var": "name", "value": "Ann"}),
    ));
    assert_eq!(done[0]["var"], "city", "{done:?}");
    let gone = b.send(&input(
        "quiet",
        "answer",
        json!({"var": "name", "value": "Ann"}),
    ));
    assert_eq!(gone[0]["code"], "unknown_conversation", "{gone:?}");
}

#[test]
fn an_undecodable_record_is_quarantined_in_the_database_and_start_begins_again() {
    let Some(store) = fresh_database("quarantine") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let project = write_project(&dir.path().join("v1"), GREET_V1);
    let a = Serve::start(&project, &store);
    let b = Serve::start(&project, &store);
    a.send(&input("bad", "start", json!({"customer": {}})));
    sql(
        &store,
        "UPDATE procc_conversations SET snapshot = '\\xff00ff'::bytea WHERE id = 'bad'",
    );
    let gone = b.send(&input("bad", "message", json!({})));
    assert_eq!(gone[0]["code"], "unknown_conversation", "{gone:?}");
    let kept = sql(
        &store,
        "SELECT reason, encode(snapshot, 'hex') FROM procc_quarantine WHERE id = 'bad'",
    );
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(!kept[0][0].as_deref().unwrap().is_empty());
    assert_eq!(kept[0][1].as_deref(), Some("ff00ff"));
    assert_eq!(stored_rows(&store, "bad"), 0);
    // Once only: the conversation begins again.
    assert!(
        a.send(&input("bad", "start", json!({"customer": {}})))
            .is_empty()
    );
    let offer = b.send(&input("bad", "message", json!({})));
    assert_eq!(offer[0]["action"], "offer");
    assert_eq!(sql(&store, "SELECT id FROM procc_quarantine").len(), 1);
}

#[test]
fn snapshots_are_sealed_in_the_database_with_one_key_for_every_process() {
    let Some(store) = fresh_database("sealed") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = REFUND.replace("{api}", "http://127.0.0.1:9").replace(
        "body { order: order }",
        "header \"Authorization\" = \"Bearer {secret.api_token}\"\n    body { order: order }",
    );
    let project = write_project(
        &dir.path().join("refund"),
        &format!("secret api_token\n{source}"),
    );
    let a = Serve::start(&project, &store);
    let b = Serve::start(&project, &store);
    let secret = "pg-S3CR3T-value-42";
    a.send(&input(
        "s",
        "start",
        json!({"customer": {}, "secrets": {"api_token": secret}}),
    ));
    b.send(&input("s", "message", json!({})));
    // Started by one process, continued by the other: both open what the other sealed.
    let asked = a.send(&input("s", "click", json!({"procedure": "refund"})));
    assert_eq!(asked[0]["action"], "ask", "{asked:?}");
    let secret_hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let rows = sql(
        &store,
        "SELECT encode(snapshot, 'hex') FROM procc_conversations WHERE id = 's'",
    );
    let snapshot = rows[0][0].clone().unwrap();
    assert!(snapshot.starts_with("a5"), "{snapshot}");
    assert!(
        !snapshot.contains(&secret_hex),
        "the secret is stored in the clear"
    );
    assert_eq!(sql(&store, "SELECT id FROM procc_store_key").len(), 1);
}

#[test]
fn an_unreachable_database_gives_503_and_nothing_changes_until_it_is_back() {
    let Some(store) = fresh_database("outage") else {
        return;
    };
    let database = store.rsplit_once('/').unwrap().1.to_owned();
    let admin = std::env::var("PROCC_TEST_POSTGRES_URL").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let project = write_project(&dir.path().join("v1"), GREET_V1);
    let serve = Serve::start(&project, &store);
    serve.send(&input("o", "start", json!({"customer": {}})));
    assert_eq!(serve.request("GET", "/v1/ready", "").unwrap().0, 200);

    // The database refuses connections, and the process's open ones are cut.
    sql(
        &admin,
        &format!("ALTER DATABASE {database} WITH ALLOW_CONNECTIONS false"),
    );
    sql(
        &admin,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
        ),
    );
    let (status, body) = serve.request("GET", "/v1/ready", "").unwrap();
    assert_eq!(status, 503, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "unavailable", "{body}");
    let message = input("o", "message", json!({}));
    let (status, body) = serve
        .request("POST", "/v1/events", &message.to_string())
        .unwrap();
    assert_eq!(status, 503, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "unavailable", "{body}");
    assert_eq!(body["outputs"][0]["code"], "unavailable", "{body}");

    // Back: ready again, and the conversation is where it was (the refused input was
    // not applied: the same input now gets the offer).
    sql(
        &admin,
        &format!("ALTER DATABASE {database} WITH ALLOW_CONNECTIONS true"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while serve.request("GET", "/v1/ready", "").unwrap().0 != 200 {
        assert!(Instant::now() < deadline, "never ready again");
        std::thread::sleep(Duration::from_millis(100));
    }
    let offer = serve.send(&message);
    assert_eq!(offer[0]["action"], "offer", "{offer:?}");
}
