//! Load test of `procc serve`: spawns the release binary on 127.0.0.1 with a fresh
//! store, drives a bounded number of conversations over keep-alive connections, prints
//! events/s and the p50/p99 latency of one event, and stops.
//!
//! `cargo bench --bench serve_load` (env `LOAD_CONNECTIONS`, default 64, and
//! `LOAD_CONVERSATIONS` per connection, default 100; six events per conversation).
//!
//! `LOAD_STORE=postgres://…` serves from that PostgreSQL database instead of a fresh
//! embedded store, and `LOAD_INSTANCES=N` (default 1) starts N processes on it, each
//! connection sending its events to them in turn (every conversation moves between
//! processes at each event). `LOAD_PROCC=PATH` runs another `procc` binary (an older
//! build, for a before/after comparison).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The greeting project shared by the serve tests and the load bench.
const PROJECT: &str = include_str!("../tests/fixtures/greet.proc");

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    async fn open(port: u16) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    /// Posts one event; returns the status and the body.
    async fn post(&mut self, body: &str) -> std::io::Result<(u16, String)> {
        let request = format!(
            "POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes()).await?;
        let mut line = String::new();
        self.reader.read_line(&mut line).await?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

async fn drive(ports: Vec<u16>, worker: usize, conversations: usize) -> Vec<Duration> {
    let mut connections = Vec::new();
    for port in ports {
        connections.push(Connection::open(port).await.expect("connect"));
    }
    let mut latencies = Vec::with_capacity(conversations * 6);
    for n in 0..conversations {
        let c = format!("load-{worker}-{n}");
        let events = [
            format!(r#"{{"conversation":"{c}","event":"start","customer":{{}}}}"#),
            format!(r#"{{"conversation":"{c}","event":"message"}}"#),
            format!(r#"{{"conversation":"{c}","event":"click","procedure":"greet"}}"#),
            format!(r#"{{"conversation":"{c}","event":"answer","var":"name","value":"Ann"}}"#),
            format!(r#"{{"conversation":"{c}","event":"answer","var":"city","value":"Oslo"}}"#),
            format!(r#"{{"conversation":"{c}","event":"end"}}"#),
        ];
        for (i, event) in events.iter().enumerate() {
            let started = Instant::now();
            let count = connections.len();
            let connection = &mut connections[(worker + i) % count];
            let (status, body) = connection.post(event).await.expect("request");
            latencies.push(started.elapsed());
            assert_eq!(status, 200, "{body}");
            assert!(!body.contains("\"error\""), "{body}");
        }
    }
    latencies
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Starts one `procc serve` on a free port; its port.
fn start_server(project: &Path, store: &str) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let procc = std::env::var("LOAD_PROCC").unwrap_or_else(|_| env!("CARGO_BIN_EXE_procc").into());
    let server = Command::new(procc)
        .arg("serve")
        .arg(project)
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--store")
        .arg(store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("procc serve");
    (server, port)
}

fn main() {
    let connections = env_usize("LOAD_CONNECTIONS", 64);
    let per_connection = env_usize("LOAD_CONVERSATIONS", 100);
    let instances = env_usize("LOAD_INSTANCES", 1).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("greet.proc"), PROJECT).expect("project");
    let store = std::env::var("LOAD_STORE")
        .unwrap_or_else(|_| dir.path().join("store").display().to_string());
    let servers: Vec<_> = (0..instances)
        .map(|_| start_server(dir.path(), &store))
        .collect();
    let ports: Vec<u16> = servers.iter().map(|(_, port)| *port).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (elapsed, mut latencies) = runtime.block_on(async move {
        for port in &ports {
            wait_for(*port).await;
        }
        let started = Instant::now();
        let workers: Vec<_> = (0..connections)
            .map(|worker| tokio::spawn(drive(ports.clone(), worker, per_connection)))
            .collect();
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.await.expect("worker"));
        }
        (started.elapsed(), all)
    });
    for (mut server, _) in servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    latencies.sort();
    let events = latencies.len();
    println!(
        "procc serve ({instances} instance(s), store {}): {events} events over {connections} connections in {:.2} s: {:.0} events/s, p50 {:.2} ms, p99 {:.2} ms",
        if store.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "embedded"
        },
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
    );
}

async fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "procc serve did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
