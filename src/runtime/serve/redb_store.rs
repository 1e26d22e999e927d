//! The embedded store: one redb file (`sessions.redb`) in the store directory.
//!
//! Table `sessions`: conversation id → 32-byte bundle hash followed by the snapshot.
//! Table `bundles`: bundle hash → bundle bytes. Table `quarantine`: `conversation#millis`
//! → the reason's length (u32, little-endian), the reason, then the record as it was in
//! `sessions` (see [`RedbStore::quarantined`]). Every write transaction commits with
//! redb's immediate durability (fsync), so a [`Lease::finish`] returning means the
//! write survives `kill -9` and power loss. Writes of many conversations share one
//! transaction ([`Committer`]).

use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::committer::Committer;
use super::seal::SealingKey;
use super::store::{
    Begun, BundleHash, Change, Lease, SessionStore, StoreError, StoreFuture, StoredSession, Write,
};

const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
const BUNDLES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("bundles");
const QUARANTINE: TableDefinition<&str, &[u8]> = TableDefinition::new("quarantine");

/// A record moved aside because it could not be restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantined {
    /// `conversation#unix-millis` of when it was moved.
    pub key: String,
    /// Why it could not be restored.
    pub reason: String,
    /// The record as it was stored (bundle hash, then snapshot).
    pub record: Vec<u8>,
}

/// The file name of the database inside the store directory.
pub const FILE_NAME: &str = "sessions.redb";

/// The file in the store's directory that holds its sealing key, when `--store-key` names
/// none.
pub const KEY_FILE_NAME: &str = "store.key";

/// A redb database holding sessions and bundles, with its group-commit writer thread
/// (stopped and joined when the store is dropped, after its last writes).
#[derive(Debug)]
pub struct RedbStore {
    db: Arc<Database>,
    /// The store's directory (its sealing key lives beside the database).
    dir: std::path::PathBuf,
    committer: Option<Committer>,
    writer: Option<JoinHandle<()>>,
}

fn err(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::backend(error.to_string(), error)
}

impl RedbStore {
    /// Opens the store in `dir` (created if missing), creating its tables, and starts
    /// its writer thread.
    pub fn open(dir: &Path) -> Result<RedbStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::backend(format!("cannot create {}: {e}", dir.display()), e))?;
        let path = dir.join(FILE_NAME);
        // The store holds secrets: owner-only, the directory and the file (§8); a new
        // file is created so, an existing one (an older procc's) is restricted.
        let private = |e: std::io::Error| {
            StoreError::backend(format!("cannot restrict {}: {e}", path.display()), e)
        };
        crate::runtime::private::restrict(dir, 0o700).map_err(private)?;
        if !path.exists() {
            crate::runtime::private::create_new(&path, 0o600).map_err(private)?;
        }
        crate::runtime::private::restrict(&path, 0o600).map_err(private)?;
        let db = Arc::new(Database::create(&path).map_err(err)?);
        let tx = db.begin_write().map_err(err)?;
        tx.open_table(SESSIONS).map_err(err)?;
        tx.open_table(BUNDLES).map_err(err)?;
        tx.open_table(QUARANTINE).map_err(err)?;
        tx.commit().map_err(err)?;
        let writer_db = db.clone();
        let (committer, writer) = Committer::start(move |writes| apply(&writer_db, writes))
            .map_err(|e| StoreError::backend(format!("cannot start the store writer: {e}"), e))?;
        Ok(RedbStore {
            db,
            dir: dir.to_path_buf(),
            committer: Some(committer),
            writer: Some(writer),
        })
    }

    /// The stored state of a conversation, if any.
    pub fn load(&self, conversation: &str) -> Result<Option<StoredSession>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let table = tx.open_table(SESSIONS).map_err(err)?;
        let Some(value) = table.get(conversation).map_err(err)? else {
            return Ok(None);
        };
        let bytes = value.value();
        let (hash, snapshot) = bytes.split_first_chunk::<32>().ok_or_else(|| {
            StoreError::Inconsistent(format!("conversation {conversation:?}: short record"))
        })?;
        Ok(Some(StoredSession {
            bundle: *hash,
            snapshot: snapshot.to_vec(),
        }))
    }

    /// Applies several conversations' writes in one durable transaction (the writer
    /// thread does this for [`Lease::finish`]; direct calls bypass the grouping).
    pub fn apply(&self, writes: &[Write]) -> Result<(), StoreError> {
        apply(&self.db, writes)
    }

    /// The records moved to quarantine, oldest key first.
    pub fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let table = tx.open_table(QUARANTINE).map_err(err)?;
        let mut all = Vec::new();
        for entry in table.iter().map_err(err)? {
            let (key, value) = entry.map_err(err)?;
            let value = value.value();
            let (length, rest) = value
                .split_first_chunk::<4>()
                .ok_or_else(|| StoreError::Inconsistent("short quarantine record".to_owned()))?;
            let length = u32::from_le_bytes(*length) as usize;
            let (reason, record) = rest
                .split_at_checked(length)
                .ok_or_else(|| StoreError::Inconsistent("short quarantine record".to_owned()))?;
            all.push(Quarantined {
                key: key.value().to_owned(),
                reason: String::from_utf8_lossy(reason).into_owned(),
                record: record.to_vec(),
            });
        }
        Ok(all)
    }

    /// The ids of every stored conversation.
    pub fn conversations(&self) -> Result<Vec<String>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let table = tx.open_table(SESSIONS).map_err(err)?;
        let mut all = Vec::new();
        for entry in table.iter().map_err(err)? {
            all.push(entry.map_err(err)?.0.value().to_owned());
        }
        Ok(all)
    }

    fn put_bundle_now(&self, hash: &BundleHash, bytes: &[u8]) -> Result<(), StoreError> {
        if self.bundle_now(hash)?.is_some() {
            return Ok(());
        }
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut table = tx.open_table(BUNDLES).map_err(err)?;
            table.insert(hash.as_slice(), bytes).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    fn bundle_now(&self, hash: &BundleHash) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let table = tx.open_table(BUNDLES).map_err(err)?;
        Ok(table
            .get(hash.as_slice())
            .map_err(err)?
            .map(|v| v.value().to_vec()))
    }
}

impl Drop for RedbStore {
    fn drop(&mut self) {
        // The writer stops once every committer handle is gone and its queue is drained:
        // wait for it, unless a lease still holds a handle (an input cut at the shutdown
        // deadline, dropped later, maybe on this very thread); that write was never
        // answered, and redb's commit is atomic either way.
        let last = self.committer.take().is_some_and(|c| c.handles() == 1);
        if let Some(writer) = self.writer.take().filter(|_| last) {
            let _ = writer.join();
        }
    }
}

/// Commits `writes` in one transaction with redb's immediate durability (fsync).
fn apply(db: &Database, writes: &[Write]) -> Result<(), StoreError> {
    let tx = db.begin_write().map_err(err)?;
    {
        let mut table = tx.open_table(SESSIONS).map_err(err)?;
        let mut record = Vec::new();
        for write in writes {
            match write {
                Write::Put {
                    conversation,
                    session,
                } => {
                    record.clear();
                    record.extend_from_slice(&session.bundle);
                    record.extend_from_slice(&session.snapshot);
                    table
                        .insert(conversation.as_str(), record.as_slice())
                        .map_err(err)?;
                }
                Write::Delete { conversation } => {
                    table.remove(conversation.as_str()).map_err(err)?;
                }
            }
        }
    }
    tx.commit().map_err(err)
}

/// Moves `conversation`'s record to the quarantine table, in one durable transaction.
fn quarantine(db: &Database, conversation: &str, reason: &str) -> Result<(), StoreError> {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let tx = db.begin_write().map_err(err)?;
    {
        let mut sessions = tx.open_table(SESSIONS).map_err(err)?;
        let Some(record) = sessions.remove(conversation).map_err(err)? else {
            return Ok(());
        };
        let reason_length = u32::try_from(reason.len()).unwrap_or(u32::MAX);
        let reason = &reason.as_bytes()[..reason_length as usize];
        let mut value = reason_length.to_le_bytes().to_vec();
        value.extend_from_slice(reason);
        value.extend_from_slice(record.value());
        drop(record);
        let mut quarantine = tx.open_table(QUARANTINE).map_err(err)?;
        quarantine
            .insert(
                format!("{conversation}#{millis}").as_str(),
                value.as_slice(),
            )
            .map_err(err)?;
    }
    tx.commit().map_err(err)
}

/// An embedded store's lease: this process is the only user, so holding the
/// conversation is the server's in-memory lock; the change goes to the group commit.
struct RedbLease {
    db: Arc<Database>,
    committer: Option<Committer>,
    conversation: String,
}

impl Lease for RedbLease {
    fn release(self: Box<Self>) -> StoreFuture<'static, ()> {
        Box::pin(async { Ok(()) })
    }

    fn quarantine<'a>(&'a mut self, reason: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { quarantine(&self.db, &self.conversation, reason) })
    }

    fn finish(self: Box<Self>, change: Option<Change>) -> StoreFuture<'static, ()> {
        Box::pin(async move {
            let (Some(change), Some(committer)) = (change, self.committer) else {
                return Ok(());
            };
            committer
                .commit(Write::new(&self.conversation, change))
                .await
        })
    }
}

impl SessionStore for RedbStore {
    fn shared(&self) -> bool {
        false
    }

    fn begin<'a>(&'a self, conversation: &'a str, read: bool) -> StoreFuture<'a, Begun> {
        Box::pin(async move {
            // A short read transaction: cheaper to run here than to hand to a thread.
            let stored = if read {
                Some(self.load(conversation)?)
            } else {
                None
            };
            Ok(Begun {
                stored,
                idle_for: None,
                lease: Box::new(RedbLease {
                    db: self.db.clone(),
                    committer: self.committer.clone(),
                    conversation: conversation.to_owned(),
                }),
            })
        })
    }

    fn put_bundle<'a>(&'a self, hash: &'a BundleHash, bytes: &'a [u8]) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.put_bundle_now(hash, bytes) })
    }

    fn bundle<'a>(&'a self, hash: &'a BundleHash) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move { self.bundle_now(hash) })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let tx = self.db.begin_read().map_err(err)?;
            tx.open_table(SESSIONS).map_err(err)?;
            Ok(())
        })
    }

    fn conversations(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move { RedbStore::conversations(self) })
    }

    fn idle_conversations(&self, _idle: Duration) -> StoreFuture<'_, Option<Vec<String>>> {
        // No record of input times: the server's memory judges idleness.
        Box::pin(async { Ok(None) })
    }

    fn sealing_key(&self) -> StoreFuture<'_, SealingKey> {
        // A file of its own beside the database (owner-only), so the database file, a
        // copy of it or its freed pages never hold what opens the snapshots.
        let path = self.dir.join(KEY_FILE_NAME);
        Box::pin(async move { SealingKey::from_file(&path, true) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let hash = [7; 32];
        {
            let store = RedbStore::open(dir.path()).unwrap();
            store.put_bundle_now(&hash, b"bundle").unwrap();
            store
                .apply(&[
                    Write::Put {
                        conversation: "a".into(),
                        session: StoredSession {
                            bundle: hash,
                            snapshot: vec![1, 2, 3],
                        },
                    },
                    Write::Put {
                        conversation: "b".into(),
                        session: StoredSession {
                            bundle: hash,
                            snapshot: vec![4],
                        },
                    },
                ])
                .unwrap();
            store
                .apply(&[Write::Delete {
                    conversation: "b".into(),
                }])
                .unwrap();
        }
        let store = RedbStore::open(dir.path()).unwrap();
        assert_eq!(
            store.load("a").unwrap(),
            Some(StoredSession {
                bundle: hash,
                snapshot: vec![1, 2, 3]
            })
        );
        assert_eq!(store.load("b").unwrap(), None);
        assert_eq!(
            store.bundle_now(&hash).unwrap().as_deref(),
            Some(&b"bundle"[..])
        );
        assert_eq!(store.bundle_now(&[0; 32]).unwrap(), None);
    }
}
