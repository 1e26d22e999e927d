//! `procc serve`: the session protocol over HTTP, durable across `kill -9`, conversations
//! finishing on their own bundle after a restart with a new one.

#![cfg(all(feature = "cli", unix))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

#[path = "common/http.rs"]
mod http;
mod serve_support;

use std::process::Command;

use serde_json::{Value, json};
use serve_support::{Serve, input, write_project};

/// The greeting project shared by the serve tests and the load bench.
const PROJECT_V1: &str = include_str!("fixtures/greet.proc");

/// The greeting project's second version (other prompts and question).
const PROJECT_V2: &str = include_str!("fixtures/greet_v2.proc");

/// Starts a conversation and runs it up to the `ask` for `city`.
fn up_to_city(serve: &Serve, conversation: &str) {
    assert!(
        serve
            .send(input(conversation, "start", json!({"customer": {}})))
            .is_empty()
    );
    let offer = serve.send(input(conversation, "message", json!({})));
    assert_eq!(offer[0]["action"], "offer");
    let ask = serve.send(input(conversation, "click", json!({"procedure": "greet"})));
    assert_eq!(ask[0]["action"], "ask");
    assert_eq!(ask[0]["var"], "name");
    let ask = serve.send(input(
        conversation,
        "answer",
        json!({"var": "name", "value": "Ann"}),
    ));
    assert_eq!(ask[0]["var"], "city", "{ask:?}");
}

fn answer_city(serve: &Serve, conversation: &str, city: &str) -> Vec<Value> {
    serve.send(input(
        conversation,
        "answer",
        json!({"var": "city", "value": city}),
    ))
}

#[test]
fn health_events_bad_json_and_concurrent_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("v1");
    write_project(&project, PROJECT_V1);
    let serve = Serve::start(&project, &dir.path().join("store"));

    let (status, health) = serve.try_request("GET", "/v1/health", "").unwrap();
    assert_eq!(status, 200);
    assert!(health.contains("ok"));

    // Bad JSON: 400 with the protocol's error object.
    let (status, body) = serve.post("{not json");
    assert_eq!(status, 400);
    assert_eq!(body["action"], "error");
    assert_eq!(body["code"], "bad_input");
    assert_eq!(body["outputs"][0]["code"], "bad_input");
    // An event for a conversation that has not started: the protocol's error output.
    let outputs = serve.send(input("nobody", "message", json!({})));
    assert_eq!(outputs[0]["code"], "unknown_conversation");

    // Many conversations at once, each in order.
    let serve = std::sync::Arc::new(serve);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let serve = serve.clone();
            std::thread::spawn(move || {
                for round in 0..5 {
                    let conversation = format!("c{i}-{round}");
                    up_to_city(&serve, &conversation);
                    let outputs = answer_city(&serve, &conversation, &format!("City{i}"));
                    assert_eq!(outputs[0]["question"], format!("Hello Ann from City{i}"));
                    assert_eq!(outputs[1]["outcome"], "completed");
                    let ended = serve.send(input(&conversation, "end", json!({})));
                    assert!(ended.is_empty());
                    let gone = serve.send(input(&conversation, "message", json!({})));
                    assert_eq!(gone[0]["code"], "unknown_conversation");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn kill_9_mid_conversation_then_restart_continues_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("v1");
    write_project(&project, PROJECT_V1);
    let store = dir.path().join("store");
    let serve = Serve::start(&project, &store);
    up_to_city(&serve, "k");
    drop(serve); // SIGKILL: no chance to flush anything

    let serve = Serve::start(&project, &store);
    let outputs = answer_city(&serve, "k", "Paris");
    assert_eq!(outputs[0]["action"], "follow_up");
    assert_eq!(outputs[0]["question"], "Hello Ann from Paris");
    assert_eq!(outputs[1]["action"], "done");
    assert_eq!(outputs[1]["outcome"], "completed");
    // The name stays known: a second run only asks the local city.
    let ask = serve.send(input("k", "click", json!({"procedure": "greet"})));
    assert_eq!(ask[0]["var"], "city");
}

#[test]
fn a_new_bundle_lets_conversations_in_flight_finish_on_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1");
    let v2 = dir.path().join("v2");
    write_project(&v1, PROJECT_V1);
    write_project(&v2, PROJECT_V2);
    let store = dir.path().join("store");
    let mut serve = Serve::start(&v1, &store);
    up_to_city(&serve, "old");
    // SIGTERM: a graceful stop, exit code 0.
    let pid = serve.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = serve.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    drop(serve);

    let serve = Serve::start(&v2, &store);
    let outputs = answer_city(&serve, "old", "Paris");
    assert_eq!(outputs[0]["question"], "Hello Ann from Paris");
    assert_eq!(outputs[1]["outcome"], "completed");

    // A new conversation starts on the new bundle.
    assert!(
        serve
            .send(input("new", "start", json!({"customer": {}})))
            .is_empty()
    );
    let offer = serve.send(input("new", "message", json!({})));
    assert_eq!(offer[0]["procedures"][0]["label"], "Greet me (v2)");
    serve.send(input("new", "click", json!({"procedure": "greet"})));
    let ask = serve.send(input(
        "new",
        "answer",
        json!({"var": "name", "value": "Bo"}),
    ));
    assert_eq!(ask[0]["prompt"], "Which city?");
    let outputs = answer_city(&serve, "new", "Oslo");
    assert_eq!(outputs[0]["question"], "Welcome back, Bo of Oslo");

    // `start` again on the old conversation moves it to the new bundle.
    serve.send(input("old", "start", json!({"customer": {}})));
    let offer = serve.send(input("old", "message", json!({})));
    assert_eq!(offer[0]["procedures"][0]["label"], "Greet me (v2)");
}
