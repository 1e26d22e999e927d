//! Local HTTP/1.1 servers for tests: stand-ins for a business's API on 127.0.0.1 that
//! record every request and answer as the test says. Shared by the `api_call`, safety
//! and serve tests (include with `#[path = "common/http.rs"] mod http;`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as a local server read it.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    /// `GET`, `POST`...
    pub method: String,
    /// The request target: the path with its query.
    pub target: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    /// The body, as text.
    pub body: String,
}

impl Request {
    /// The target without its query.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The request line as sent, without its line break (`POST /refunds HTTP/1.1`).
    pub(crate) fn line(&self) -> String {
        format!("{} {} HTTP/1.1", self.method, self.target)
    }
}

/// Reads one request (request line, headers, a `Content-Length` body) from `stream`;
/// `None` when the client closed or broke off first.
pub(crate) fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Answers with `status`, the `extra` header lines (each ending in `\r\n`) and a JSON
/// `body`, then closes. A client that left is no error.
pub(crate) fn respond(mut stream: TcpStream, status: u16, extra: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// What a local server answers: status, extra header lines, JSON body.
pub(crate) type Answer = (u16, String, String);

/// A recording HTTP/1.1 server on 127.0.0.1, one thread per connection.
pub(crate) struct LocalServer {
    /// The port it listens on.
    pub port: u16,
    received: Arc<Mutex<Vec<Request>>>,
}

impl LocalServer {
    /// Starts a server whose `answer` gets each request, the requests received before
    /// it, and the server's own port (for redirects to itself).
    pub(crate) fn start(
        answer: impl Fn(&Request, &[Request], u16) -> Answer + Send + Sync + 'static,
    ) -> LocalServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received: Arc<Mutex<Vec<Request>>> = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, answer) = (log.clone(), answer.clone());
                std::thread::spawn(move || {
                    let Some(request) = read_request(&stream) else {
                        return;
                    };
                    let earlier = {
                        let mut log = log.lock().unwrap();
                        let earlier = log.clone();
                        log.push(request.clone());
                        earlier
                    };
                    let (status, extra, body) = answer(&request, &earlier, port);
                    respond(stream, status, &extra, &body);
                });
            }
        });
        LocalServer { port, received }
    }

    /// Every request received so far, in arrival order.
    pub(crate) fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }

    /// The requests received so far whose path (without query) is `path`.
    pub(crate) fn requests_to(&self, path: &str) -> Vec<Request> {
        self.received()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }
}
