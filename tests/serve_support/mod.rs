//! Running `procc serve` from the serve tests: a real process on 127.0.0.1, a raw
//! HTTP/1.1 client, and a local stand-in for a business's API.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::LocalServer;

/// A running `procc serve`, killed when dropped.
pub(crate) struct Serve {
    pub child: Child,
    pub port: u16,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes `source` as the project's only file.
pub(crate) fn write_project(dir: &Path, source: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("greet.proc"), source).unwrap();
}

/// Where serve's stderr goes.
pub(crate) enum Stderr {
    /// Discarded.
    Null,
    /// Kept, line by line: see [`Serve::stderr_lines`].
    Capture,
    /// Given as is (a closed pipe, `/dev/full`).
    Given(Stdio),
}

impl Serve {
    /// `procc serve PROJECT --store STORE` with stderr discarded.
    pub(crate) fn start(project: &Path, store: &Path) -> Serve {
        Serve::start_with(project, store, &[], Stderr::Null)
    }

    /// `procc serve PROJECT --store STORE ARGS...`, once `/v1/health` answers.
    pub(crate) fn start_with(project: &Path, store: &Path, args: &[&str], stderr: Stderr) -> Serve {
        let port = free_port();
        let capture = matches!(stderr, Stderr::Capture);
        let stdio = match stderr {
            Stderr::Null => Stdio::null(),
            Stderr::Capture => Stdio::piped(),
            Stderr::Given(stdio) => stdio,
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_procc"))
            .arg("serve")
            .arg(project)
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--store")
            .arg(store)
            .args(args)
            .stdout(Stdio::null())
            .stderr(stdio)
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        if capture {
            let stream = child.stderr.take().unwrap();
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let mut serve = Serve {
            child,
            port,
            stderr: lines,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, _)) = serve.try_request("GET", "/v1/health", "") {
                return serve;
            }
            if let Ok(Some(status)) = serve.child.try_wait() {
                panic!("procc serve exited: {status}");
            }
            assert!(Instant::now() < deadline, "procc serve did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The lines serve wrote on stderr so far (with [`Stderr::Capture`]).
    pub(crate) fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// The stderr lines once one contains `needle` (a thread copies them from the pipe,
    /// after the server wrote them: waiting is part of reading them); panics after a
    /// minute without it.
    pub(crate) fn stderr_with(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let lines = self.stderr_lines();
            if lines.iter().any(|line| line.contains(needle)) {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "no `{needle}` on stderr: {lines:#?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A connection to the server.
    pub(crate) fn connect(&self) -> TcpStream {
        TcpStream::connect(("127.0.0.1", self.port)).unwrap()
    }

    /// One request with extra header lines; the HTTP status and the body.
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        write!(stream, "{head}\r\n{body}")?;
        read_response(&mut stream)
    }

    /// One request without extra headers.
    pub(crate) fn try_request(
        &self,
        method: &str,
        path: &str,
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        self.request(method, path, &[], body)
    }

    /// Posts an input; returns the HTTP status and the body as JSON.
    pub(crate) fn post(&self, body: &str) -> (u16, Value) {
        let (status, body) = self.try_request("POST", "/v1/events", body).unwrap();
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// Posts an input that must succeed; returns its outputs.
    pub(crate) fn send(&self, input: Value) -> Vec<Value> {
        let (status, body) = self.post(&input.to_string());
        assert_eq!(status, 200, "{body}");
        body["outputs"].as_array().unwrap().clone()
    }

    /// SIGTERM, then waits for the exit (at most a minute: then it is killed and this
    /// panics).
    pub(crate) fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        self.wait_exit(Duration::from_secs(60))
            .expect("procc serve did not stop after SIGTERM")
    }

    /// Waits for the process to exit, at most `limit`.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// Reads a whole `Connection: close` response: its status and body.
pub(crate) fn read_response(stream: &mut TcpStream) -> std::io::Result<(u16, String)> {
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// A protocol input.
pub(crate) fn input(conversation: &str, event: &str, fields: Value) -> Value {
    let mut value = json!({"conversation": conversation, "event": event});
    if let (Some(object), Value::Object(more)) = (value.as_object_mut(), fields) {
        object.extend(more);
    }
    value
}

/// A local stand-in for a business's API: answers every request with `{"id":"R1"}`
/// after `delay`, and counts the requests it received.
pub(crate) struct SlowApi {
    pub port: u16,
    server: LocalServer,
}

impl SlowApi {
    /// Listens on 127.0.0.1.
    pub(crate) fn start(delay: Duration) -> SlowApi {
        let server = LocalServer::start(move |_, _, _| {
            std::thread::sleep(delay);
            (200, String::new(), r#"{"id":"R1"}"#.to_owned())
        });
        SlowApi {
            port: server.port,
            server,
        }
    }

    /// The request lines received so far (`POST /refunds HTTP/1.1`).
    pub(crate) fn received(&self) -> Vec<String> {
        self.server.received().iter().map(|r| r.line()).collect()
    }

    /// Waits until `count` requests have arrived (at most a minute).
    pub(crate) fn wait_for(&self, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.received().len() < count {
            assert!(Instant::now() < deadline, "the API got no request");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
