//! The accept loop: how `procc serve` keeps slow, idle or too many clients from taking
//! it down, and how it stops within a deadline.
//!
//! - At most `max_connections` connections are served at once; past that, new ones wait
//!   in the kernel's accept queue until one ends (so descriptors stay bounded).
//! - A connection that does not deliver a complete request head within `read_timeout`
//!   — a new one, or a kept-alive one between requests — is closed (hyper's header read
//!   timeout); the routes bound a body's arrival by the same time.
//! - On shutdown it stops accepting, lets each connection finish the request it is
//!   serving (idle ones close at once), and after `shutdown_timeout` closes what is left.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use super::log::{self, Level};

/// How the accept loop guards itself.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// How many connections are served at once.
    pub max_connections: usize,
    /// How long a request head may take to arrive (also bounds an idle kept-alive
    /// connection).
    pub read_timeout: Duration,
    /// How long shutdown waits for requests in progress.
    pub shutdown_timeout: Duration,
}

/// The defaults `procc serve` uses.
impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 1024,
            read_timeout: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// How long to wait before accepting again when `accept` fails (out of descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `shutdown` completes, then stops as the module says.
/// Returns the deadline by which everything must have stopped.
pub async fn accept_until(
    listener: TcpListener,
    app: Router,
    limits: &ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> tokio::time::Instant {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    log::message(Level::Warn, format!("cannot accept a connection: {error}"));
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(connection(
            stream,
            app.clone(),
            limits.read_timeout,
            stopping.clone(),
            permit,
        ));
    }
    drop(listener);
    let deadline = tokio::time::Instant::now() + limits.shutdown_timeout;
    // Nobody may be listening any more: that is fine.
    let _ = stop.send(true);
    let drained = tokio::time::timeout_at(deadline, async {
        while connections.join_next().await.is_some() {}
    })
    .await
    .is_ok();
    if !drained {
        log::message(
            Level::Warn,
            format!(
                "shutdown deadline: closing {} connection(s) still open",
                connections.len()
            ),
        );
        connections.abort_all();
    }
    deadline
}

/// Serves one connection, until it ends or the server stops.
async fn connection(
    stream: TcpStream,
    app: Router,
    read_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    // Answers are small: send them at once.
    let _ = stream.set_nodelay(true);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .keep_alive(true);
    let served = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    tokio::pin!(served);
    tokio::select! {
        _ = served.as_mut() => return,
        _ = stopping.wait_for(|stop| *stop) => {}
    }
    served.as_mut().graceful_shutdown();
    // The connection's end is all that matters; its error (a reset) is not.
    let _ = served.await;
}
