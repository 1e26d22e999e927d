//! Where `procc serve` keeps conversations: the [`SessionStore`] trait.
//!
//! A store holds, per conversation, the content hash of the bundle it runs on and its
//! session snapshot, and every bundle by content hash, so that conversations started
//! under an older bundle finish on it after a restart with a new one. The embedded
//! implementation is [`super::RedbStore`]; a shared store (Redis, PostgreSQL) behind the
//! same trait lets several instances serve behind a load balancer, provided the balancer
//! routes one conversation to one instance at a time (the per-conversation order is kept
//! in memory).
//!
//! Calls are blocking: the server makes them from a dedicated writer thread (writes,
//! grouped) or briefly on a worker when a conversation is first seen (reads).

use std::sync::Arc;

/// A bundle's content hash: blake3 of its bytes.
pub type BundleHash = [u8; 32];

/// One conversation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    /// The bundle the conversation runs on.
    pub bundle: BundleHash,
    /// Its snapshot ([`crate::vm::Session::to_snapshot`] under that bundle's program).
    pub snapshot: Vec<u8>,
}

/// A change to one conversation.
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

/// A store failure (I/O, corruption), as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "session store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Durable storage of conversations and bundles.
pub trait SessionStore: Send + Sync + 'static {
    /// The stored state of a conversation, if any.
    fn load(&self, conversation: &str) -> Result<Option<StoredSession>, StoreError>;
    /// Applies several conversations' writes atomically; they must be durable (on disk,
    /// or replicated) when this returns `Ok`.
    fn apply(&self, writes: &[Write]) -> Result<(), StoreError>;
    /// Keeps a bundle under its hash (a no-op when it is there already); durable.
    fn put_bundle(&self, hash: &BundleHash, bytes: &[u8]) -> Result<(), StoreError>;
    /// A bundle kept earlier.
    fn bundle(&self, hash: &BundleHash) -> Result<Option<Vec<u8>>, StoreError>;
    /// Answers when the store can be read (`GET /v1/ready`).
    fn ping(&self) -> Result<(), StoreError>;
    /// Moves a conversation's record that cannot be restored out of the way, atomically,
    /// into a quarantine kept for inspection with `reason`; the conversation then reads
    /// as absent. Durable.
    fn quarantine(&self, conversation: &str, reason: &str) -> Result<(), StoreError>;
    /// The ids of every stored conversation (for idle expiry after a restart).
    fn conversations(&self) -> Result<Vec<String>, StoreError>;
}

impl<S: SessionStore + ?Sized> SessionStore for Arc<S> {
    fn load(&self, conversation: &str) -> Result<Option<StoredSession>, StoreError> {
        (**self).load(conversation)
    }
    fn apply(&self, writes: &[Write]) -> Result<(), StoreError> {
        (**self).apply(writes)
    }
    fn put_bundle(&self, hash: &BundleHash, bytes: &[u8]) -> Result<(), StoreError> {
        (**self).put_bundle(hash, bytes)
    }
    fn bundle(&self, hash: &BundleHash) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).bundle(hash)
    }
    fn ping(&self) -> Result<(), StoreError> {
        (**self).ping()
    }
    fn quarantine(&self, conversation: &str, reason: &str) -> Result<(), StoreError> {
        (**self).quarantine(conversation, reason)
    }
    fn conversations(&self) -> Result<Vec<String>, StoreError> {
        (**self).conversations()
    }
}
