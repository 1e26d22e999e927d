//! A tiny HTTP/1.1 server on 127.0.0.1 for the tests where procc performs HTTP itself:
//! one thread per connection, each request answered by the test's routing function,
//! every request recorded.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A request as the test server saw it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The method.
    pub method: String,
    /// The path, query included.
    pub path: String,
    /// Header names (lower-case) to values.
    pub headers: HashMap<String, String>,
    /// The body.
    pub body: String,
}

/// An answer of the server.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Extra header lines, each ending in `\r\n` (e.g. a `Location`).
    pub headers: String,
    /// The JSON body.
    pub body: String,
}

impl Reply {
    /// A JSON answer with no extra headers.
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: String::new(),
            body: body.into(),
        }
    }
}

/// How the server answers: given a request and how many earlier requests had the same
/// path, the reply.
pub type Route = fn(&Received, usize) -> Reply;

/// The server: it runs until the test process ends.
pub struct TestServer {
    /// The port it listens on.
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl TestServer {
    /// Starts a server answering with `route`.
    pub fn start(route: Route) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || serve_one(stream, &log, route));
            }
        });
        TestServer { port, received }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests to `path` (without its query), in arrival order.
    pub fn requests_to(&self, path: &str) -> Vec<Received> {
        let all = self.received.lock().unwrap();
        all.iter()
            .filter(|r| r.path.split('?').next() == Some(path))
            .cloned()
            .collect()
    }

    /// Every request, in arrival order.
    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve_one(stream: TcpStream, log: &Mutex<Vec<Received>>, route: Route) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
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
    reader.read_exact(&mut body).unwrap();
    let received = Received {
        method,
        path: path.clone(),
        headers,
        body: String::from_utf8(body).unwrap(),
    };
    let earlier = {
        let mut log = log.lock().unwrap();
        let earlier = log.iter().filter(|r| r.path == path).count();
        log.push(received.clone());
        earlier
    };
    let Reply {
        status,
        headers,
        body,
    } = route(&received, earlier);
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
