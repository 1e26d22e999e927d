//! Where `procc serve` keeps conversations: the [`SessionStore`] trait.
//!
//! A store holds, per conversation, the content hash of the bundle it runs on and its
//! session snapshot, and every bundle by content hash, so that conversations started
//! under an older bundle finish on it after a restart with a new one. Implementations:
//! [`super::RedbStore`] (embedded, one process) and [`super::PgStore`] (PostgreSQL,
//! shared by several processes).
//!
//! One input's work on a conversation is bracketed by [`SessionStore::begin`] and
//! [`Lease::finish`]. A *shared* store makes the lease exclusive across every process
//! using it (the next input for that conversation, wherever it arrives, waits) and the
//! server reads the conversation under each lease. An *exclusive* store (this process is
//! its only user) lets the server keep conversations in memory between inputs, so a
//! lease there reads nothing unless asked and only carries the write.
//!
//! The calls are async because a database answers over the network; they return boxed
//! futures so that the server can hold any store as `Arc<dyn SessionStore>`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::seal::SealingKey;

/// A bundle's content hash: blake3 of its bytes.
pub type BundleHash = [u8; 32];

/// One conversation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    /// The bundle the conversation runs on.
    pub bundle: BundleHash,
    /// Its snapshot ([`crate::vm::Session::to_snapshot`] under that bundle's program),
    /// sealed ([`SealingKey::seal`]) by the server before it reaches the store.
    pub snapshot: Vec<u8>,
}

/// What an input did to its conversation, as the store must record it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Store (or replace) the conversation's state.
    Put(StoredSession),
    /// The conversation ended (or never started): forget it.
    Delete,
}

/// A change to one named conversation (the unit of the embedded store's group commit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// Store (or replace) the conversation.
    Put {
        /// The conversation id.
        conversation: String,
        /// Its state.
        session: StoredSession,
    },
    /// The conversation ended: forget it.
    Delete {
        /// The conversation id.
        conversation: String,
    },
}

impl Write {
    /// The write that records `change` for `conversation`.
    pub fn new(conversation: &str, change: Change) -> Write {
        let conversation = conversation.to_owned();
        match change {
            Change::Put(session) => Write::Put {
                conversation,
                session,
            },
            Change::Delete => Write::Delete { conversation },
        }
    }
}

/// A store failure: the backend failed (I/O, the embedded database, an unreachable
/// database), what it holds is inconsistent, or it stopped taking writes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed: what was being done, and the backend's error (the
    /// [`source`](std::error::Error::source)).
    Backend {
        /// What failed, with the backend's own message.
        context: String,
        /// The backend's error.
        source: Arc<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// What the store holds, or was asked, does not fit (a short record, a row that is
    /// gone, a schema newer than this procc knows).
    Inconsistent(String),
    /// The store takes no more writes (its writer stopped, a finished transaction).
    Stopped(&'static str),
}

impl StoreError {
    /// A backend failure: `context` says what failed (with the error's text when it
    /// helps), `source` is the error itself.
    pub fn backend(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError::Backend {
            context: context.into(),
            source: Arc::new(source),
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Backend { context, .. } => write!(f, "session store: {context}"),
            StoreError::Inconsistent(what) => write!(f, "session store: {what}"),
            StoreError::Stopped(what) => write!(f, "session store: {what}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Backend { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// The future of a store call.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A conversation taken for one input: see [`SessionStore::begin`].
pub struct Begun {
    /// The conversation's stored state, when it was read: `Some(None)` when the store
    /// does not have it, `None` when it was not read (an exclusive store, `read` false).
    pub stored: Option<Option<StoredSession>>,
    /// How long ago the conversation's last input was, by the store's own record
    /// (`None` when it keeps none: the embedded store, whose server tracks idleness in
    /// memory, or a conversation that is not stored).
    pub idle_for: Option<Duration>,
    /// Records the input's change and releases the conversation.
    pub lease: Box<dyn Lease>,
}

impl std::fmt::Debug for Begun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Begun")
            .field("stored", &self.stored)
            .field("idle_for", &self.idle_for)
            .finish_non_exhaustive()
    }
}

/// One input's hold on a conversation. Dropping it without [`Lease::finish`] releases
/// the conversation with nothing changed (a shared store rolls back).
pub trait Lease: Send {
    /// Moves the conversation's stored record, which cannot be restored, into a
    /// quarantine kept for inspection with `reason`; the conversation then reads as
    /// absent. Durable when this returns, whatever [`Lease::finish`] then records.
    fn quarantine<'a>(&'a mut self, reason: &'a str) -> StoreFuture<'a, ()>;
    /// Makes `change` durable (`None`: the input changed nothing) and releases the
    /// conversation; when this returns `Ok` the change survives `kill -9` of this
    /// process, and when it returns `Err` nothing of it was recorded.
    fn finish(self: Box<Self>, change: Option<Change>) -> StoreFuture<'static, ()>;
    /// Releases the conversation without recording anything, not even an input (a
    /// quarantine done under the lease stays).
    fn release(self: Box<Self>) -> StoreFuture<'static, ()>;
}

/// Durable storage of conversations and bundles.
pub trait SessionStore: Send + Sync + 'static {
    /// Whether other processes may use the store at the same time; then the server keeps
    /// nothing in memory between inputs and reads each conversation under its lease.
    fn shared(&self) -> bool;
    /// Takes `conversation` for one input, in arrival order: a shared store waits until
    /// no input holds it, in any process, and reads it; an exclusive one reads it only
    /// when `read` (the server keeps it in memory otherwise).
    fn begin<'a>(&'a self, conversation: &'a str, read: bool) -> StoreFuture<'a, Begun>;
    /// Keeps a bundle under its hash (a no-op when it is there already); durable.
    fn put_bundle<'a>(&'a self, hash: &'a BundleHash, bytes: &'a [u8]) -> StoreFuture<'a, ()>;
    /// A bundle kept earlier.
    fn bundle<'a>(&'a self, hash: &'a BundleHash) -> StoreFuture<'a, Option<Vec<u8>>>;
    /// Answers when the store can be read (`GET /v1/ready`).
    fn ping(&self) -> StoreFuture<'_, ()>;
    /// The ids of every stored conversation (for idle expiry after a restart).
    fn conversations(&self) -> StoreFuture<'_, Vec<String>>;
    /// The stored conversations with no input for at least `idle` by the store's own
    /// record of their last input, or `None` when it keeps no such record (then the
    /// server judges idleness by its memory).
    fn idle_conversations(&self, idle: Duration) -> StoreFuture<'_, Option<Vec<String>>>;
    /// The key this store's snapshots are sealed with when the operator gives none
    /// (`--store-key`): kept apart from the sessions themselves, and the same for every
    /// process that uses the store.
    fn sealing_key(&self) -> StoreFuture<'_, SealingKey>;
}
