//! Load test of `procc serve`: spawns the release binary on 127.0.0.1 with a fresh
//! store, drives a bounded number of conversations over keep-alive connections, prints
//! events/s and the p50/p99 latency of one event, and stops.
//!
//! `cargo bench --bench serve_load` (env `LOAD_CONNECTIONS`, default 64, and
//! `LOAD_CONVERSATIONS` per connection, default 100; six events per conversation).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const PROJECT: &str = r#"
var name: text { ask "Your name?" }

procedure greet: follow_up {
  label "Greet me"
  needs name
  var city: text { ask "Your city?" }
  question "Hello {name} from {city}"
  trigger always
}
"#;

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

async fn drive(port: u16, worker: usize, conversations: usize) -> Vec<Duration> {
    let mut connection = Connection::open(port).await.expect("connect");
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
        for event in &events {
            let started = Instant::now();
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

fn main() {
    let connections = env_usize("LOAD_CONNECTIONS", 64);
    let per_connection = env_usize("LOAD_CONVERSATIONS", 100);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("greet.proc"), PROJECT).expect("project");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_procc"))
        .arg("serve")
        .arg(dir.path())
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--store")
        .arg(dir.path().join("store"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("procc serve");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (elapsed, mut latencies) = runtime.block_on(async move {
        wait_for(port, &dir.path().join("store")).await;
        let started = Instant::now();
        let workers: Vec<_> = (0..connections)
            .map(|worker| tokio::spawn(drive(port, worker, per_connection)))
            .collect();
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.await.expect("worker"));
        }
        (started.elapsed(), all)
    });
    let _ = server.kill();
    let _ = server.wait();
    latencies.sort();
    let events = latencies.len();
    println!(
        "procc serve: {events} events over {connections} connections in {:.2} s: {:.0} events/s, p50 {:.2} ms, p99 {:.2} ms",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
    );
}

async fn wait_for(port: u16, store: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !store.exists() || TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "procc serve did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
