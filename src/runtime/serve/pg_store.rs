//! The shared store: conversations and bundles in PostgreSQL, so that several `procc
//! serve` processes serve the same conversations (`--store postgres://…`).
//!
//! Tables (prefixed, to live beside others in an existing database):
//! - `procc_schema(version)`: the schema version, one row; see [`SCHEMA_VERSION`].
//! - `procc_bundles(hash, bytes)`: every bundle a conversation may run on.
//! - `procc_conversations(id, bundle, snapshot, updated_at)`: one row per conversation;
//!   `updated_at` is its last input (for idle expiry, judged by the database's clock).
//! - `procc_quarantine(id, quarantined_at, reason, bundle, snapshot)`: records that could
//!   not be restored, moved aside for inspection.
//!
//! One input is one transaction holding the conversation's row lock from the read of its
//! state to the write of the new one: `SELECT … FOR UPDATE` (a missing row is inserted
//! first, so that two processes starting the same new conversation also queue on one
//! row), the input is applied (its HTTP requests included), then the new state is
//! written and committed before the answer. Another input for that conversation, in this
//! process or another, waits on the lock and then reads the committed state: inputs are
//! applied one at a time, in arrival order. A process killed mid-input leaves an open
//! transaction whose connection closes with it: PostgreSQL rolls it back and releases
//! the lock, so the input is applied entirely or not at all, and a retry starts from the
//! same durable state (and derives the same idempotency keys). Why locks and not
//! optimistic versions: see docs/language-notes.md, "PostgreSQL store".

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use super::seal::SealingKey;
use super::store::{
    Begun, BundleHash, Change, Lease, SessionStore, StoreError, StoreFuture, StoredSession,
};

/// The schema version this build knows; a database at a newer one is refused.
pub const SCHEMA_VERSION: i32 = 2;

/// The migrations, in order: `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    r#"
CREATE TABLE procc_bundles (
    hash bytea PRIMARY KEY,
    bytes bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE procc_conversations (
    id text PRIMARY KEY,
    bundle bytea REFERENCES procc_bundles (hash),
    snapshot bytea,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX procc_conversations_updated_at ON procc_conversations (updated_at);
CREATE TABLE procc_quarantine (
    id text NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    reason text NOT NULL,
    bundle bytea,
    snapshot bytea
);
"#,
    r#"
CREATE TABLE procc_store_key (
    id integer PRIMARY KEY CHECK (id = 1),
    key bytea NOT NULL CHECK (length(key) = 32)
);
"#,
];

/// The advisory lock key that serialises schema migrations of concurrent starts.
const MIGRATION_LOCK: i64 = 0x7072_6f63_6373_6368; // "procc sch"

/// The most connections one process opens, by default.
pub const DEFAULT_POOL_SIZE: usize = 32;

const SELECT_FOR_UPDATE: &str = "SELECT bundle, snapshot, \
     extract(epoch FROM clock_timestamp() - updated_at)::float8 \
     FROM procc_conversations WHERE id = $1 FOR UPDATE";
const INSERT_PLACEHOLDER: &str =
    "INSERT INTO procc_conversations (id) VALUES ($1) ON CONFLICT (id) DO NOTHING";
const UPDATE: &str =
    "UPDATE procc_conversations SET bundle = $2, snapshot = $3, updated_at = now() WHERE id = $1";
const DELETE: &str = "DELETE FROM procc_conversations WHERE id = $1";
const TOUCH: &str = "UPDATE procc_conversations SET updated_at = now() WHERE id = $1";
const QUARANTINE: &str = "INSERT INTO procc_quarantine (id, reason, bundle, snapshot) \
     SELECT id, $2, bundle, snapshot FROM procc_conversations WHERE id = $1";
const EMPTY: &str = "UPDATE procc_conversations SET bundle = NULL, snapshot = NULL WHERE id = $1";

/// A pool of connections to one PostgreSQL database.
#[derive(Debug)]
pub struct PgStore {
    pool: Pool,
}

fn err(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::backend(format!("PostgreSQL: {error}"), error)
}

/// The full text of a driver error (its `Display` alone omits the server's message).
fn db_err(error: tokio_postgres::Error) -> StoreError {
    match error.as_db_error() {
        Some(db) => {
            let context = format!("PostgreSQL: {}: {}", db.code().code(), db.message());
            StoreError::backend(context, error)
        }
        None => err(error),
    }
}

fn pool_err(error: deadpool_postgres::PoolError) -> StoreError {
    match error {
        deadpool_postgres::PoolError::Backend(error) => db_err(error),
        other => err(other),
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST:PORT/DB`, or any form
    /// libpq's connection strings allow) with at most `pool_size` connections, and
    /// creates or migrates the schema. Refuses a database whose schema is newer than
    /// [`SCHEMA_VERSION`].
    pub async fn connect(url: &str, pool_size: usize) -> Result<PgStore, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::backend(format!("invalid PostgreSQL URL: {e}"), e))?;
        if config.get_application_name().is_none() {
            config.application_name("procc serve");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(err)?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Creates the schema or brings it to [`SCHEMA_VERSION`], under an advisory lock so
    /// that processes starting together do it once.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        let tx = client.transaction().await.map_err(db_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db_err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS procc_schema (version integer NOT NULL)")
            .await
            .map_err(db_err)?;
        let found: Option<i32> = tx
            .query_one("SELECT max(version) FROM procc_schema", &[])
            .await
            .map_err(db_err)?
            .get(0);
        let found = found.unwrap_or(0);
        if found > SCHEMA_VERSION {
            return Err(StoreError::Inconsistent(format!(
                "the database's schema is at version {found}, newer than this procc knows \
                 ({SCHEMA_VERSION}); run a newer procc"
            )));
        }
        for (from, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            tx.batch_execute(migration)
                .await
                .map_err(|e| match db_err(e) {
                    StoreError::Backend { context, source } => StoreError::Backend {
                        context: format!("migrating the schema from version {from}: {context}"),
                        source,
                    },
                    other => other,
                })?;
        }
        if found < SCHEMA_VERSION {
            tx.batch_execute("DELETE FROM procc_schema")
                .await
                .map_err(db_err)?;
            tx.execute(
                "INSERT INTO procc_schema (version) VALUES ($1)",
                &[&SCHEMA_VERSION],
            )
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    /// Takes the conversation's row lock in a new transaction and reads it, with the
    /// time since its last input.
    async fn lock(
        client: &Object,
        conversation: &str,
    ) -> Result<(Option<StoredSession>, Option<Duration>), StoreError> {
        let select = client
            .prepare_cached(SELECT_FOR_UPDATE)
            .await
            .map_err(db_err)?;
        // Pipelined: both go out before the first answer comes back.
        let params: [&(dyn ToSql + Sync); 1] = [&conversation];
        let (begun, row) = tokio::join!(
            client.batch_execute("BEGIN"),
            client.query_opt(&select, &params)
        );
        begun.map_err(db_err)?;
        let row = match row.map_err(db_err)? {
            Some(row) => row,
            None => {
                // No row to lock: make one, so a concurrent first input of the same
                // conversation queues on it (its insert waits for our commit).
                let insert = client
                    .prepare_cached(INSERT_PLACEHOLDER)
                    .await
                    .map_err(db_err)?;
                client
                    .execute(&insert, &[&conversation])
                    .await
                    .map_err(db_err)?;
                client
                    .query_opt(&select, &[&conversation])
                    .await
                    .map_err(db_err)?
                    .ok_or_else(|| {
                        StoreError::Inconsistent(format!("conversation {conversation:?} vanished"))
                    })?
            }
        };
        let bundle: Option<Vec<u8>> = row.try_get(0).map_err(db_err)?;
        let snapshot: Option<Vec<u8>> = row.try_get(1).map_err(db_err)?;
        let idle: Option<f64> = row.try_get(2).map_err(db_err)?;
        let stored = match (bundle, snapshot) {
            (Some(bundle), Some(snapshot)) => Some(StoredSession {
                bundle: bundle.as_slice().try_into().map_err(|_| {
                    StoreError::Inconsistent(format!(
                        "conversation {conversation:?}: bad bundle hash"
                    ))
                })?,
                snapshot,
            }),
            // A placeholder: no conversation yet.
            _ => None,
        };
        let idle_for = idle
            .filter(|_| stored.is_some())
            .and_then(|seconds| Duration::try_from_secs_f64(seconds.max(0.0)).ok());
        Ok((stored, idle_for))
    }
}

/// One input's transaction on a conversation; its connection leaves the pool (and the
/// transaction is rolled back by PostgreSQL) if it is dropped unfinished.
struct PgLease {
    client: Option<Object>,
    conversation: String,
    /// Whether the conversation was stored when the lease began.
    existed: bool,
    /// Whether its record was quarantined under this lease (to be committed).
    quarantined: bool,
}

impl Drop for PgLease {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            // Closing the connection ends the open transaction: nothing is applied.
            drop(Object::take(client));
        }
    }
}

impl PgLease {
    fn client(&self) -> Result<&Object, StoreError> {
        self.client
            .as_ref()
            .ok_or_else(|| StoreError::Stopped("the transaction is already finished"))
    }

    async fn finish(&mut self, change: Option<Change>) -> Result<(), StoreError> {
        let conversation: &(dyn ToSql + Sync) = &self.conversation;
        match change {
            // A quarantined record leaves an empty row behind: remove it.
            None if self.quarantined => {
                self.commit_with(DELETE, &[conversation]).await?;
            }
            // Nothing changed: only the time of the last input, for idle expiry.
            None if self.existed => {
                self.commit_with(TOUCH, &[conversation]).await?;
            }
            // Nothing stored, nothing changed: roll back the placeholder row.
            None => self
                .client()?
                .batch_execute("ROLLBACK")
                .await
                .map_err(db_err)?,
            Some(Change::Delete) => {
                self.commit_with(DELETE, &[conversation]).await?;
            }
            Some(Change::Put(session)) => {
                let bundle = session.bundle.as_slice();
                let updated = self
                    .commit_with(UPDATE, &[conversation, &bundle, &session.snapshot])
                    .await?;
                if updated != 1 {
                    return Err(StoreError::Inconsistent(format!(
                        "conversation {:?}: its row is gone",
                        self.conversation
                    )));
                }
            }
        }
        // Back to the pool, outside any transaction.
        self.client = None;
        Ok(())
    }

    /// Runs one statement and COMMIT, pipelined (one round trip); the rows it changed.
    async fn commit_with(
        &self,
        statement: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let client = self.client()?;
        let statement = client.prepare_cached(statement).await.map_err(db_err)?;
        let (changed, committed) = tokio::join!(
            client.execute(&statement, params),
            client.batch_execute("COMMIT")
        );
        // A failed statement makes that COMMIT a rollback: report the statement first.
        let changed = changed.map_err(db_err)?;
        committed.map_err(db_err)?;
        Ok(changed)
    }

    /// Copies the record into the quarantine and empties the row (keeping its lock).
    async fn quarantine(&mut self, reason: &str) -> Result<(), StoreError> {
        let client = self.client()?;
        let params: [&(dyn ToSql + Sync); 2] = [&self.conversation, &reason];
        client.execute(QUARANTINE, &params).await.map_err(db_err)?;
        client.execute(EMPTY, &params[..1]).await.map_err(db_err)?;
        self.quarantined = true;
        Ok(())
    }
}

impl Lease for PgLease {
    fn quarantine<'a>(&'a mut self, reason: &'a str) -> StoreFuture<'a, ()> {
        // Committed with the lease's transaction, which `finish` then always commits.
        Box::pin(async move { PgLease::quarantine(self, reason).await })
    }

    fn release(mut self: Box<Self>) -> StoreFuture<'static, ()> {
        Box::pin(async move {
            let Some(client) = self.client.as_ref() else {
                return Ok(());
            };
            let end = if self.quarantined {
                "COMMIT"
            } else {
                "ROLLBACK"
            };
            client.batch_execute(end).await.map_err(db_err)?;
            self.client = None;
            Ok(())
        })
    }

    fn finish(mut self: Box<Self>, change: Option<Change>) -> StoreFuture<'static, ()> {
        // On an error `self` drops with its client: the connection is closed, not reused.
        Box::pin(async move { PgLease::finish(&mut self, change).await })
    }
}

impl SessionStore for PgStore {
    fn shared(&self) -> bool {
        true
    }

    fn begin<'a>(&'a self, conversation: &'a str, _read: bool) -> StoreFuture<'a, Begun> {
        Box::pin(async move {
            let client = self.pool.get().await.map_err(pool_err)?;
            let mut lease = PgLease {
                client: Some(client),
                conversation: conversation.to_owned(),
                existed: false,
                quarantined: false,
            };
            let client = lease
                .client
                .as_ref()
                .ok_or(StoreError::Stopped("the lease has no connection"))?;
            // On an error the lease drops and closes the connection.
            let (stored, idle_for) = PgStore::lock(client, conversation).await?;
            lease.existed = stored.is_some();
            Ok(Begun {
                stored: Some(stored),
                idle_for,
                lease: Box::new(lease),
            })
        })
    }

    fn put_bundle<'a>(&'a self, hash: &'a BundleHash, bytes: &'a [u8]) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let client = self.pool.get().await.map_err(pool_err)?;
            client
                .execute(
                    "INSERT INTO procc_bundles (hash, bytes) VALUES ($1, $2) \
                     ON CONFLICT (hash) DO NOTHING",
                    &[&hash.as_slice(), &bytes],
                )
                .await
                .map_err(db_err)?;
            Ok(())
        })
    }

    fn bundle<'a>(&'a self, hash: &'a BundleHash) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let client = self.pool.get().await.map_err(pool_err)?;
            let row = client
                .query_opt(
                    "SELECT bytes FROM procc_bundles WHERE hash = $1",
                    &[&hash.as_slice()],
                )
                .await
                .map_err(db_err)?;
            row.map(|row| row.try_get(0).map_err(db_err)).transpose()
        })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.pool.get().await.map_err(pool_err)?;
            client.simple_query("SELECT 1").await.map_err(db_err)?;
            Ok(())
        })
    }

    fn conversations(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move {
            let client = self.pool.get().await.map_err(pool_err)?;
            let rows = client
                .query(
                    "SELECT id FROM procc_conversations WHERE snapshot IS NOT NULL",
                    &[],
                )
                .await
                .map_err(db_err)?;
            rows.iter()
                .map(|row| row.try_get(0).map_err(db_err))
                .collect()
        })
    }

    fn sealing_key(&self) -> StoreFuture<'_, SealingKey> {
        // One key for every process on the database: the first to start writes a random
        // one, the others (and later starts) read it. A table of its own, apart from the
        // conversations, so their rows, dead tuples and dumps hold only sealed bytes.
        Box::pin(async move {
            let client = self.pool.get().await.map_err(pool_err)?;
            let fresh = SealingKey::generate()?.to_bytes();
            client
                .execute(
                    "INSERT INTO procc_store_key (id, key) VALUES (1, $1) \
                     ON CONFLICT (id) DO NOTHING",
                    &[&&fresh[..]],
                )
                .await
                .map_err(db_err)?;
            let row = client
                .query_one("SELECT key FROM procc_store_key WHERE id = 1", &[])
                .await
                .map_err(db_err)?;
            let key: &[u8] = row.get(0);
            let key: [u8; 32] = key.try_into().map_err(|_| {
                StoreError::Inconsistent("PostgreSQL: the store key is not 32 bytes".into())
            })?;
            Ok(SealingKey::from_bytes(key))
        })
    }

    fn idle_conversations(&self, idle: Duration) -> StoreFuture<'_, Option<Vec<String>>> {
        Box::pin(async move {
            let client = self.pool.get().await.map_err(pool_err)?;
            let rows = client
                .query(
                    "SELECT id FROM procc_conversations WHERE snapshot IS NOT NULL \
                     AND updated_at < now() - make_interval(secs => $1) \
                     ORDER BY updated_at LIMIT 10000",
                    &[&idle.as_secs_f64()],
                )
                .await
                .map_err(db_err)?;
            let ids = rows
                .iter()
                .map(|row| row.try_get(0).map_err(db_err))
                .collect::<Result<_, _>>()?;
            Ok(Some(ids))
        })
    }
}
