//! `retry N` applies when the server closes the connection before its answer is
//! complete ("connection closed before message completed"), against a real server on
//! 127.0.0.1 that hangs up on the first attempt.

#![cfg(feature = "runtime")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use procc::runtime::HttpClient;
use procc::vm::Action;
use support::read_http_request;

#[test]
fn a_connection_closed_mid_answer_is_retried() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let server = std::thread::spawn(move || {
        // First attempt: read the request, then hang up without answering.
        let (stream, _) = listener.accept().expect("first connection");
        let mut reader = BufReader::new(stream);
        read_http_request(&mut reader);
        drop(reader);
        // Second attempt (if it comes within ten seconds): a whole answer.
        listener.set_nonblocking(true).expect("non-blocking");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break stream,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(_) => return,
            }
        };
        stream.set_nonblocking(false).expect("blocking");
        let mut reader = BufReader::new(stream);
        read_http_request(&mut reader);
        let mut stream = reader.into_inner();
        let body = b"{\"ok\":true}";
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    });
    let request = Action::Request {
        method: "POST".into(),
        url: format!("http://127.0.0.1:{port}/orders"),
        headers: serde_json::Map::new(),
        body: serde_json::json!({"order": 1}),
        timeout_ms: 5_000,
        idempotency_key: "key-1".into(),
        retry: 2,
        lookup: None,
        carries_secret: false,
    };
    let client = HttpClient::new()
        .expect("a client")
        .with_backoff_base(Duration::from_millis(5));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let outcome = runtime.block_on(client.perform(&request));
    server.join().expect("the server ends");
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.attempts, 2, "{outcome:?}");
    assert_eq!(outcome.response, Some(serde_json::json!({"ok": true})));
}
