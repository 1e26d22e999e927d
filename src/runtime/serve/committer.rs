//! Group commit: one writer thread applies the writes of many conversations in one
//! durable transaction.
//!
//! Each request hands its conversation's write to the writer and waits for the
//! acknowledgement before answering. The writer takes every write queued while the
//! previous transaction was syncing (up to [`MAX_BATCH`]) and applies them together, so
//! the cost of an fsync is shared by all conversations waiting on it: under load,
//! throughput grows with concurrency instead of being bounded by the disk's sync rate.

use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::store::{StoreError, Write};

/// The most writes applied in one transaction.
pub const MAX_BATCH: usize = 4096;

struct Pending {
    write: Write,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The handle requests use to commit writes; the writer stops when every handle is
/// dropped and the queue is drained.
#[derive(Clone, Debug)]
pub struct Committer {
    queue: mpsc::UnboundedSender<Pending>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

impl Committer {
    /// Starts the writer thread, which commits each batch with `apply` (atomically and
    /// durably, or not at all); join the returned handle after dropping every
    /// [`Committer`] to wait for the last writes.
    pub fn start(
        mut apply: impl FnMut(&[Write]) -> Result<(), StoreError> + Send + 'static,
    ) -> std::io::Result<(Committer, JoinHandle<()>)> {
        let (queue, mut receiver) = mpsc::unbounded_channel::<Pending>();
        let thread = std::thread::Builder::new()
            .name("procc-store-writer".to_owned())
            .spawn(move || {
                let mut writes = Vec::new();
                let mut waiting = Vec::new();
                while let Some(first) = receiver.blocking_recv() {
                    let mut next = Some(first);
                    while let Some(pending) = next.take() {
                        writes.push(pending.write);
                        waiting.push(pending.done);
                        if writes.len() < MAX_BATCH {
                            next = receiver.try_recv().ok();
                        }
                    }
                    let result = apply(&writes);
                    writes.clear();
                    for done in waiting.drain(..) {
                        // A request that gave up waiting dropped its receiver: nothing to tell.
                        let _ = done.send(result.clone());
                    }
                }
            })?;
        Ok((Committer { queue }, thread))
    }

    /// How many handles exist (this one included): the writer stops when none is left.
    pub fn handles(&self) -> usize {
        self.queue.strong_count()
    }

    /// Commits one write durably, together with whatever else is waiting.
    pub async fn commit(&self, write: Write) -> Result<(), StoreError> {
        let (done, wait) = oneshot::channel();
        self.queue
            .send(Pending { write, done })
            .map_err(|_| StoreError::Stopped("the store writer has stopped"))?;
        wait.await
            .map_err(|_| StoreError::Stopped("the store writer has stopped"))?
    }
}
