//! The embedded store: one redb file (`sessions.redb`) in the store directory.
//!
//! Table `sessions`: conversation id → 32-byte bundle hash followed by the snapshot.
//! Table `bundles`: bundle hash → bundle bytes. Every write transaction commits with
//! redb's immediate durability (fsync), so [`SessionStore::apply`] returning means the
//! writes survive `kill -9` and power loss.

use std::path::Path;

use redb::{Database, ReadableDatabase, TableDefinition};

use super::store::{BundleHash, SessionStore, StoreError, StoredSession, Write};

const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
const BUNDLES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("bundles");

/// The file name of the database inside the store directory.
pub const FILE_NAME: &str = "sessions.redb";

/// A redb database holding sessions and bundles.
#[derive(Debug)]
pub struct RedbStore {
    db: Database,
}

fn err(error: impl std::fmt::Display) -> StoreError {
    StoreError(error.to_string())
}

impl RedbStore {
    /// Opens the store in `dir` (created if missing), creating its tables.
    pub fn open(dir: &Path) -> Result<RedbStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(FILE_NAME);
        // The store holds secrets: owner-only, the directory and the file (§8); a new
        // file is created so, an existing one (an older procc's) is restricted.
        let private =
            |e: std::io::Error| StoreError(format!("cannot restrict {}: {e}", path.display()));
        crate::runtime::private::restrict(dir, 0o700).map_err(private)?;
        if !path.exists() {
            crate::runtime::private::create_new(&path, 0o600).map_err(private)?;
        }
        crate::runtime::private::restrict(&path, 0o600).map_err(private)?;
        let db = Database::create(&path).map_err(err)?;
        let tx = db.begin_write().map_err(err)?;
        tx.open_table(SESSIONS).map_err(err)?;
        tx.open_table(BUNDLES).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(RedbStore { db })
    }
}

impl SessionStore for RedbStore {
    fn load(&self, conversation: &str) -> Result<Option<StoredSession>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let table = tx.open_table(SESSIONS).map_err(err)?;
        let Some(value) = table.get(conversation).map_err(err)? else {
            return Ok(None);
        };
        let bytes = value.value();
        let (hash, snapshot) = bytes
            .split_first_chunk::<32>()
            .ok_or_else(|| StoreError(format!("conversation {conversation:?}: short record")))?;
        Ok(Some(StoredSession {
            bundle: *hash,
            snapshot: snapshot.to_vec(),
        }))
    }

    fn apply(&self, writes: &[Write]) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
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

    fn put_bundle(&self, hash: &BundleHash, bytes: &[u8]) -> Result<(), StoreError> {
        if self.bundle(hash)?.is_some() {
            return Ok(());
        }
        let tx = self.db.begin_write().map_err(err)?;
        {
            let mut table = tx.open_table(BUNDLES).map_err(err)?;
            table.insert(hash.as_slice(), bytes).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    fn bundle(&self, hash: &BundleHash) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let table = tx.open_table(BUNDLES).map_err(err)?;
        Ok(table
            .get(hash.as_slice())
            .map_err(err)?
            .map(|v| v.value().to_vec()))
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
            store.put_bundle(&hash, b"bundle").unwrap();
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
            store.bundle(&hash).unwrap().as_deref(),
            Some(&b"bundle"[..])
        );
        assert_eq!(store.bundle(&[0; 32]).unwrap(), None);
    }
}
