//! The serving core, without HTTP: bundles by hash, the conversation table with one lock
//! per conversation, and the rule that a conversation's new state is durable before its
//! outputs are returned.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedMutexGuard, Semaphore};

use crate::vm::protocol::{Event, Input};
use crate::vm::{LoadError, Program, Session, SnapshotError, Step};

use super::super::driver::handle_performing_observed;
use super::super::events::EventLog;
use super::super::http::{HttpClient, HttpOutcome};
use super::super::secrets::EnvSecrets;
use super::log::{self, Level};
use super::metrics::Metrics;
use super::seal::{OpenError, SealingKey};
use super::store::{BundleHash, Change, Lease, SessionStore, StoreError, StoredSession};
use super::unabandoned::Unabandoned;

/// Why the server cannot start or cannot take an input.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The bundle is refused or cannot run.
    Bundle(LoadError),
    /// The store failed; the conversation is left as it was stored.
    Store(StoreError),
    /// A stored conversation cannot be restored (a corrupt record, a missing bundle).
    Restore(RestoreError),
    /// The input's handling stopped before it finished (a panic); nothing was answered
    /// and the conversation is read again from the store.
    Interrupted,
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Bundle(why) => write!(f, "the bundle cannot run: {why}"),
            ServeError::Store(error) => error.fmt(f),
            ServeError::Restore(why) => write!(f, "cannot restore the conversation: {why}"),
            ServeError::Interrupted => f.write_str("the input's handling was interrupted"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Bundle(error) => Some(error),
            ServeError::Store(error) => Some(error),
            ServeError::Restore(error) => Some(error),
            ServeError::Interrupted => None,
        }
    }
}

/// Why a stored conversation cannot be restored; the record is quarantined.
#[derive(Debug)]
#[non_exhaustive]
pub enum RestoreError {
    /// The conversation's bundle is not in the store.
    MissingBundle(BundleHash),
    /// The conversation's bundle is refused or cannot run.
    Bundle(LoadError),
    /// The sealed record does not open (another store key, changed bytes).
    Sealed(OpenError),
    /// The snapshot does not restore under its bundle.
    Snapshot(SnapshotError),
}

impl std::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestoreError::MissingBundle(hash) => {
                write!(f, "bundle {} is not in the store", hex(hash))
            }
            RestoreError::Bundle(error) => error.fmt(f),
            RestoreError::Sealed(error) => error.fmt(f),
            RestoreError::Snapshot(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for RestoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RestoreError::MissingBundle(_) => None,
            RestoreError::Bundle(error) => Some(error),
            RestoreError::Sealed(error) => Some(error),
            RestoreError::Snapshot(error) => Some(error),
        }
    }
}

impl From<StoreError> for ServeError {
    fn from(error: StoreError) -> Self {
        ServeError::Store(error)
    }
}

/// A bundle prepared to run.
#[derive(Debug)]
struct Loaded {
    hash: BundleHash,
    program: Program,
}

/// A conversation in memory.
#[derive(Debug)]
struct Live {
    bundle: Arc<Loaded>,
    session: Session,
}

/// One conversation's slot; its lock orders the conversation's inputs in this process
/// (a shared store's lease orders them across processes).
#[derive(Debug)]
struct Slot {
    /// Whether `live` and `stored` reflect the store (false until first read, after a
    /// failed write, and always between inputs on a shared store).
    loaded: bool,
    live: Option<Live>,
    /// The snapshot the store holds, to skip writes that change nothing.
    stored: Option<Vec<u8>>,
    /// When the conversation last had an input (or was first seen), for idle expiry.
    last: Instant,
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            loaded: false,
            live: None,
            stored: None,
            last: Instant::now(),
        }
    }
}

/// A locked slot while an input is applied: unless [`Unsettled::settle`] is called, its
/// memory is dropped on the way out and read again from the store next time. So an
/// input whose handling stops half-way (a panic, a dropped future) never leaves the
/// conversation out of its slot, which would read as "no conversation" and turn into a
/// delete.
struct Unsettled {
    slot: OwnedMutexGuard<Slot>,
    settled: bool,
}

impl Unsettled {
    fn settle(&mut self) {
        self.settled = true;
    }
}

impl std::ops::Deref for Unsettled {
    type Target = Slot;
    fn deref(&self) -> &Slot {
        &self.slot
    }
}

impl std::ops::DerefMut for Unsettled {
    fn deref_mut(&mut self) -> &mut Slot {
        &mut self.slot
    }
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        if !self.settled {
            self.slot.loaded = false;
            self.slot.live = None;
            self.slot.stored = None;
        }
    }
}

/// How many inputs may be in flight at once; also what [`Server::drain`] waits to take
/// back (every permit free: nothing in flight).
const IN_FLIGHT: u32 = 1 << 20;

/// How many shards the conversation table has (fewer collisions on its short locks).
const SHARDS: usize = 64;

type Table = HashMap<String, Arc<tokio::sync::Mutex<Slot>>>;

/// The options of a [`Server`].
pub struct ServerOptions {
    /// The bundle new conversations start on (its bytes, verified on load).
    pub bundle: Vec<u8>,
    /// Where conversations and bundles are kept.
    pub store: Arc<dyn SessionStore>,
    /// Performs `api_call` requests.
    pub http: HttpClient,
    /// Secret values from the environment, for `start` events that lack them.
    pub secrets: EnvSecrets,
    /// The analytics log, if any.
    pub events: Option<Arc<EventLog>>,
    /// End conversations with no input for this long (`--idle-timeout`).
    pub idle_timeout: Option<Duration>,
    /// The key snapshots are sealed with (`--store-key`); `None`: the store's own
    /// ([`SessionStore::sealing_key`]).
    pub key: Option<SealingKey>,
}

/// Serves the session protocol for many conversations over a durable store.
pub struct Server {
    current: Arc<Loaded>,
    bundles: Mutex<HashMap<BundleHash, Arc<Loaded>>>,
    store: Arc<dyn SessionStore>,
    /// Whether other processes use the store too (then nothing is kept in memory
    /// between inputs).
    shared: bool,
    http: HttpClient,
    secrets: EnvSecrets,
    events: Option<Arc<EventLog>>,
    shards: Vec<Mutex<Table>>,
    /// Picks a conversation's shard: keyed per process (SipHash), so clients cannot choose
    /// ids that all fall in one shard.
    shard_hasher: std::hash::RandomState,
    /// How many slots the table holds (the `procc_conversations` gauge).
    in_memory: AtomicUsize,
    metrics: Metrics,
    /// One permit per input being handled; see [`IN_FLIGHT`].
    in_flight: Arc<Semaphore>,
    idle_timeout: Option<Duration>,
    /// Seals every snapshot before it reaches the store, opens it when read.
    key: SealingKey,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("bundle", &hex(&self.current.hash))
            .finish_non_exhaustive()
    }
}

/// A hash in lower-case hexadecimal.
pub fn hex(hash: &BundleHash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

fn load_bundle(hash: BundleHash, bytes: &[u8]) -> Result<Loaded, LoadError> {
    let program = Program::load(bytes)?;
    Ok(Loaded { hash, program })
}

impl Server {
    /// Verifies the bundle and keeps it in the store by its hash. The store's own
    /// resources (the embedded store's writer thread, a database pool) go with the last
    /// reference to it.
    pub async fn new(options: ServerOptions) -> Result<Server, ServeError> {
        let hash: BundleHash = *blake3::hash(&options.bundle).as_bytes();
        let current = Arc::new(load_bundle(hash, &options.bundle).map_err(ServeError::Bundle)?);
        options.store.put_bundle(&hash, &options.bundle).await?;
        let key = match options.key {
            Some(key) => key,
            None => options.store.sealing_key().await?,
        };
        let server = Server {
            key,
            bundles: Mutex::new(HashMap::from([(hash, current.clone())])),
            current,
            shared: options.store.shared(),
            store: options.store,
            http: options.http,
            secrets: options.secrets,
            events: options.events,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            shard_hasher: std::hash::RandomState::new(),
            in_memory: AtomicUsize::new(0),
            metrics: Metrics::new(),
            in_flight: Arc::new(Semaphore::new(IN_FLIGHT as usize)),
            idle_timeout: options.idle_timeout,
        };
        if server.idle_timeout.is_some() && !server.shared {
            // Conversations stored by an earlier run are not in memory yet: give each an
            // (unloaded) slot from now, so that they expire too if nothing comes. (A
            // shared store records each conversation's last input itself.)
            for conversation in server.store.conversations().await? {
                drop(server.slot(&conversation));
            }
        }
        Ok(server)
    }

    /// The server's metrics (`GET /metrics`).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The metrics in Prometheus text.
    pub fn render_metrics(&self) -> String {
        self.metrics
            .set_conversations(self.in_memory.load(Ordering::Relaxed));
        self.metrics.render()
    }

    /// Whether the server can take inputs: the store answers (the bundle is loaded from
    /// [`Server::new`] on).
    pub async fn ready(&self) -> Result<(), ServeError> {
        Ok(self.store.ping().await?)
    }

    /// The idle timeout, if conversations expire.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    /// The content hash of the bundle new conversations start on.
    pub fn bundle_hash(&self) -> BundleHash {
        self.current.hash
    }

    /// The analytics log, if any.
    pub fn events(&self) -> Option<&Arc<EventLog>> {
        self.events.as_ref()
    }

    fn shard(&self, conversation: &str) -> &Mutex<Table> {
        let index = self.shard_hasher.hash_one(conversation) as usize % SHARDS;
        &self.shards[index]
    }

    fn slot(&self, conversation: &str) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut table = self
            .shard(conversation)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        table
            .entry(conversation.to_owned())
            .or_insert_with(|| {
                self.in_memory.fetch_add(1, Ordering::Relaxed);
                Arc::default()
            })
            .clone()
    }

    /// Drops an empty slot from the table unless another request holds it.
    fn forget_if_unused(&self, conversation: &str, slot: &Arc<tokio::sync::Mutex<Slot>>) {
        let mut table = self
            .shard(conversation)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // The table's reference and ours: nobody else can reach it.
        if Arc::strong_count(slot) == 2 && table.remove(conversation).is_some() {
            self.in_memory.fetch_sub(1, Ordering::Relaxed);
        }
    }

    async fn bundle(&self, hash: &BundleHash) -> Result<Arc<Loaded>, ServeError> {
        if let Some(loaded) = self
            .bundles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
        {
            return Ok(loaded.clone());
        }
        let bytes = self
            .store
            .bundle(hash)
            .await?
            .ok_or(ServeError::Restore(RestoreError::MissingBundle(*hash)))?;
        let loaded = Arc::new(
            load_bundle(*hash, &bytes).map_err(|e| ServeError::Restore(RestoreError::Bundle(e)))?,
        );
        self.bundles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(*hash, loaded.clone());
        Ok(loaded)
    }

    /// Reads a conversation from the store into its slot. A record that cannot be
    /// restored (its snapshot does not decode, its bundle is gone or refused) is moved
    /// to the store's quarantine and reported once: the conversation reads as absent, so
    /// `start` can begin it again, and the record stays for inspection.
    async fn restore(
        &self,
        conversation: &str,
        slot: &mut Slot,
        stored: Option<StoredSession>,
        lease: &mut dyn Lease,
    ) -> Result<(), ServeError> {
        slot.live = None;
        slot.stored = None;
        if let Some(stored) = stored {
            match self.revive(conversation, &stored).await {
                Ok((live, snapshot)) => {
                    slot.live = Some(live);
                    slot.stored = Some(snapshot);
                }
                Err(ServeError::Restore(why)) => {
                    let why = why.to_string();
                    lease.quarantine(&why).await?;
                    log::write(
                        Level::Error,
                        &[
                            ("conversation", conversation.into()),
                            ("message", "conversation quarantined".into()),
                            ("reason", why.as_str().into()),
                        ],
                    );
                }
                Err(other) => return Err(other),
            }
        }
        slot.loaded = true;
        Ok(())
    }

    /// The live conversation of a stored record, with its snapshot opened.
    async fn revive(
        &self,
        conversation: &str,
        stored: &StoredSession,
    ) -> Result<(Live, Vec<u8>), ServeError> {
        let snapshot = self
            .key
            .open(conversation, &stored.bundle, &stored.snapshot)
            .map_err(|e| ServeError::Restore(RestoreError::Sealed(e)))?;
        let bundle = self.bundle(&stored.bundle).await?;
        let session = Session::from_snapshot(&bundle.program, &snapshot)
            .map_err(|e| ServeError::Restore(RestoreError::Snapshot(e)))?;
        Ok((Live { bundle, session }, snapshot))
    }

    /// Handles one input: applies it to its conversation (one at a time per
    /// conversation, in arrival order), performs its HTTP requests, makes the new state
    /// durable, writes its analytics events, and returns its outputs. On a store error
    /// nothing is answered and the conversation stays as stored.
    pub async fn handle(&self, input: Input) -> Result<Step, ServeError> {
        self.metrics.input(&input.event);
        let conversation = input.conversation.clone();
        let slot_arc = self.slot(&conversation);
        let mut slot = Unsettled {
            slot: slot_arc.clone().lock_owned().await,
            settled: false,
        };
        slot.last = Instant::now();
        let result = self.handle_locked(&mut slot, input).await;
        // On an error, memory may be ahead of the store, and on a shared store another
        // process may change it next: dropping `slot` unsettled makes the next input read
        // it again.
        if result.is_ok() && !self.shared {
            slot.settle();
        }
        let empty = self.shared || (slot.loaded && slot.live.is_none());
        drop(slot);
        if empty {
            self.forget_if_unused(&conversation, &slot_arc);
        }
        let step = result?;
        self.record(&step);
        Ok(step)
    }

    /// Handles one input so that it runs to its end (applied, durable) even when the
    /// caller stops waiting: a client that disconnects mid-request must not cut an input
    /// in half ([`Unabandoned`]). A panic in its handling answers
    /// [`ServeError::Interrupted`]. [`Server::drain`] waits for every input, those whose
    /// caller left included.
    pub async fn handle_detached(self: &Arc<Self>, input: Input) -> Result<Step, ServeError> {
        let permit = self
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ServeError::Interrupted)?;
        let server = self.clone();
        Unabandoned::new(async move {
            let result = server.handle(input).await;
            drop(permit);
            result
        })
        .await
        .unwrap_or(Err(ServeError::Interrupted))
    }

    /// Waits until no input is being handled, or `deadline` passes; returns whether
    /// everything finished.
    pub async fn drain(&self, deadline: tokio::time::Instant) -> bool {
        let all = tokio::time::timeout_at(deadline, self.in_flight.acquire_many(IN_FLIGHT));
        matches!(all.await, Ok(Ok(_)))
    }

    /// Writes a step's analytics events and counts its outputs.
    fn record(&self, step: &Step) {
        self.metrics.outputs(&step.outputs);
        if let Some(events) = &self.events
            && let Err(error) = events.write(&step.events)
        {
            log::message(
                Level::Error,
                format!("cannot write the events log: {error}"),
            );
        }
    }

    /// Ends, as `end` does, every conversation that had no input for `idle` (those
    /// being handled right now are busy, hence not idle), removing it from memory and
    /// from the store; returns how many ended.
    pub async fn expire_idle(&self, idle: Duration) -> Result<usize, ServeError> {
        let mut candidates = Vec::new();
        if let Some(stored) = self.store.idle_conversations(idle).await? {
            // The store knows every process's inputs; one being handled here is busy.
            for conversation in stored {
                let slot = self.slot(&conversation);
                if slot.try_lock().is_ok() {
                    candidates.push((conversation, slot));
                } else {
                    drop(slot);
                }
            }
        }
        for shard in self.shards.iter().filter(|_| !self.shared) {
            let table = shard.lock().unwrap_or_else(|e| e.into_inner());
            for (conversation, slot) in table.iter() {
                if let Ok(guard) = slot.try_lock()
                    && guard.last.elapsed() >= idle
                {
                    candidates.push((conversation.clone(), slot.clone()));
                }
            }
        }
        let mut ended = 0;
        for (conversation, slot_arc) in candidates {
            let mut slot = Unsettled {
                slot: slot_arc.clone().lock_owned().await,
                settled: false,
            };
            // An input may have come while the table was read.
            if slot.last.elapsed() < idle {
                slot.settle();
                continue;
            }
            let result = self.end_idle(&mut slot, &conversation, idle).await;
            if result.is_ok() && !self.shared {
                slot.settle();
            }
            drop(slot);
            if let Some(step) = result? {
                self.record(&step);
                log::write(
                    Level::Info,
                    &[
                        ("conversation", conversation.as_str().into()),
                        ("message", "idle conversation ended".into()),
                    ],
                );
                ended += 1;
            }
            self.forget_if_unused(&conversation, &slot_arc);
        }
        Ok(ended)
    }

    /// Ends one idle conversation under its lock; `None` when there was nothing to end.
    async fn end_idle(
        &self,
        slot: &mut Slot,
        conversation: &str,
        idle: Duration,
    ) -> Result<Option<Step>, ServeError> {
        let begun = self
            .store
            .begin(conversation, self.shared || !slot.loaded)
            .await?;
        let mut lease = begun.lease;
        if self.shared && begun.idle_for.is_none_or(|idle_for| idle_for < idle) {
            // Another process had an input for it since the candidates were read.
            lease.release().await?;
            return Ok(None);
        }
        if let Some(stored) = begun.stored {
            self.restore(conversation, slot, stored, lease.as_mut())
                .await?;
        }
        let Some(Live { bundle, session }) = slot.live.take() else {
            self.persist(conversation, slot, lease).await?;
            return Ok(None);
        };
        let mut state = Some(session);
        let end = Input {
            conversation: conversation.to_owned(),
            event: Event::End,
            // The expiry happens now: `today()` in an `on cancelled` block reads it.
            at: Some(jiff::Timestamp::now()),
        };
        let step = self.perform(&bundle, &mut state, end).await;
        slot.live = state.map(|session| Live { bundle, session });
        self.persist(conversation, slot, lease).await?;
        Ok(Some(step))
    }

    async fn handle_locked(&self, slot: &mut Slot, input: Input) -> Result<Step, ServeError> {
        let begun = self
            .store
            .begin(&input.conversation, self.shared || !slot.loaded)
            .await?;
        let mut lease = begun.lease;
        let conversation = input.conversation.clone();
        if let Some(stored) = begun.stored {
            self.restore(&conversation, slot, stored, lease.as_mut())
                .await?;
        }
        let step = if matches!(input.event, Event::Start { .. }) {
            self.start(slot, input).await
        } else {
            match slot.live.take() {
                None => {
                    let mut none = None;
                    Session::handle(&mut none, &self.current.program, input)
                }
                Some(Live { bundle, session }) => {
                    let mut state = Some(session);
                    let step = self.perform(&bundle, &mut state, input).await;
                    slot.live = state.map(|session| Live { bundle, session });
                    step
                }
            }
        };
        self.persist(&conversation, slot, lease).await?;
        Ok(step)
    }

    /// `start` runs on the current bundle; a conversation that exists (maybe on an older
    /// bundle) is replaced only when the new one starts, its run ending `cancelled`
    /// first, under its own program.
    async fn start(&self, slot: &mut Slot, mut input: Input) -> Step {
        let current = self.current.clone();
        self.secrets
            .fill(&current.program.module().secrets, &mut input);
        let conversation = input.conversation.clone();
        let at = input.at;
        let mut fresh = None;
        let mut step = self.perform(&current, &mut fresh, input).await;
        let Some(session) = fresh else {
            return step;
        };
        if let Some(Live {
            bundle,
            session: old,
        }) = slot.live.take()
        {
            let mut old = Some(old);
            let ended = Session::handle(
                &mut old,
                &bundle.program,
                Input {
                    at,
                    ..Input::new(conversation, Event::End)
                },
            );
            step.outputs.splice(0..0, ended.outputs);
            step.events.splice(0..0, ended.events);
        }
        slot.live = Some(Live {
            bundle: current,
            session,
        });
        step
    }

    async fn perform(&self, bundle: &Loaded, state: &mut Option<Session>, input: Input) -> Step {
        handle_performing_observed(
            &self.http,
            |input| Session::handle(state, &bundle.program, input),
            input,
            log_failure,
        )
        .await
    }

    /// Makes the slot's state durable (when it changed) through the input's lease,
    /// before anything is answered, and releases the conversation. What reaches the
    /// store is sealed ([`SealingKey::seal`]); the slot remembers the plain snapshot, to
    /// skip writes that change nothing.
    async fn persist(
        &self,
        conversation: &str,
        slot: &mut Slot,
        lease: Box<dyn Lease>,
    ) -> Result<(), ServeError> {
        let snapshot = slot.live.as_ref().map(|live| {
            (
                live.bundle.hash,
                live.session.to_snapshot(&live.bundle.program),
            )
        });
        let (change, stored) = match (snapshot, &slot.stored) {
            (None, None) => (None, None),
            (Some((_, new)), Some(old)) if new == *old => (None, Some(new)),
            (Some((bundle, new)), _) => (
                Some(Change::Put(StoredSession {
                    bundle,
                    snapshot: self.key.seal(conversation, &bundle, &new)?,
                })),
                Some(new),
            ),
            (None, Some(_)) => (Some(Change::Delete), None),
        };
        // The embedded store does nothing for an unchanged state: not a store call.
        let timed = change.is_some() || self.shared;
        let began = Instant::now();
        let committed = lease.finish(change).await;
        if timed {
            self.metrics.store(began.elapsed());
        }
        committed?;
        slot.stored = stored;
        Ok(())
    }
}

/// Tells the operator why a request failed (never its URL, headers or body), on the
/// log that a closed stderr cannot turn into a panic.
fn log_failure(request: &crate::vm::Action, outcome: &HttpOutcome) {
    if let (crate::vm::Action::Request { method, .. }, Some(error)) = (request, &outcome.error) {
        log::message(
            Level::Error,
            format!(
                "{method} request failed after {} attempt(s): {error}",
                outcome.attempts
            ),
        );
    }
}
