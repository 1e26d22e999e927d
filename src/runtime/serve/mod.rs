//! `procc serve`: the session protocol over HTTP, conversations kept in a durable store.
//!
//! - [`Server`]: the core (usable without HTTP): bundles by content hash, one lock per
//!   conversation (its inputs applied one at a time, in arrival order; different
//!   conversations concurrently), HTTP for `api_call`, and each conversation's new
//!   state made durable before its outputs are returned.
//! - [`store`]: the async [`SessionStore`] trait; [`RedbStore`] the embedded
//!   implementation (one process; [`committer`]: group commit, many conversations'
//!   writes in one transaction), [`PgStore`] the PostgreSQL one (several processes on
//!   one database, one transaction holding the conversation's row lock per input).
//! - [`routes`]: the axum routes (auth, request log, metrics, OpenAPI); [`connections`]:
//!   the accept loop (timeouts, connection limit, shutdown deadline); [`serve`] runs
//!   them until a shutdown signal, and expires idle conversations.
//! - [`seal`]: every snapshot is sealed (XChaCha20-Poly1305) before it reaches a store,
//!   so a conversation's secrets are never stored in the clear, freed pages included.
//! - [`log`]: JSON log lines on stderr that a closed stderr cannot turn into a panic.
//!
//! Conversations keep the bundle they started on: the store keeps every bundle by hash
//! and each conversation's bundle hash with its snapshot, so after a restart with a new
//! bundle, conversations in flight finish on theirs while `start` uses the new one.

pub mod auth;
pub mod committer;
pub mod connections;
pub mod log;
pub mod metrics;
pub mod pg_store;
pub mod redb_store;
pub mod routes;
pub mod seal;
mod server;
pub mod store;
mod unabandoned;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use auth::Token;
pub use connections::ConnectionLimits;
pub use pg_store::PgStore;
pub use redb_store::RedbStore;
pub use routes::{DEFAULT_BODY_LIMIT, OPENAPI, ROUTES, RouteOptions, router};
pub use seal::SealingKey;
pub use server::{RestoreError, ServeError, Server, ServerOptions, hex};
pub use store::{
    Begun, BundleHash, Change, Lease, SessionStore, StoreError, StoreFuture, StoredSession, Write,
};

use log::Level;

/// How often buffered analytics events are flushed to their file.
const EVENTS_FLUSH_EVERY: Duration = Duration::from_millis(200);

/// Serves `server` on `listener` until `shutdown` completes, then stops taking
/// connections, lets requests in progress finish (within the shutdown deadline, inputs
/// whose clients left included), and flushes the analytics log. The store's last writes
/// are waited for when the last `Arc<Server>` is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Arc<Server>,
    routes: RouteOptions,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let flusher = server.events().cloned().map(|events| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVENTS_FLUSH_EVERY);
            loop {
                tick.tick().await;
                if let Err(error) = events.flush() {
                    log::message(
                        Level::Error,
                        format!("cannot write the events log: {error}"),
                    );
                }
            }
        })
    });
    let reaper = server.idle_timeout().map(|idle| {
        let server = server.clone();
        tokio::spawn(expire_idle(server, idle))
    });
    let app = router(server.clone(), routes);
    let deadline = connections::accept_until(listener, app, &limits, shutdown).await;
    if let Some(reaper) = reaper {
        reaper.abort();
    }
    if !server.drain(deadline).await {
        log::message(
            Level::Warn,
            "shutdown deadline: inputs still in progress are not answered",
        );
    }
    if let Some(flusher) = flusher {
        flusher.abort();
    }
    if let Some(events) = server.events() {
        events.flush()?;
    }
    Ok(())
}

/// Ends idle conversations: checking every half `idle`, a conversation is ended at most
/// one and a half `idle` after its last input.
async fn expire_idle(server: Arc<Server>, idle: Duration) {
    let mut tick = tokio::time::interval((idle / 2).max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = server.expire_idle(idle).await {
            log::message(
                Level::Error,
                format!("cannot end idle conversations: {error}"),
            );
        }
    }
}

/// Completes on SIGTERM or ctrl-c (SIGINT).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
