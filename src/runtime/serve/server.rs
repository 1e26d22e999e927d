//! The serving core, without HTTP: bundles by hash, the conversation table with one lock
//! per conversation, and the rule that a conversation's new state is durable before its
//! outputs are returned.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::vm::protocol::{Event, Input};
use crate::vm::{Program, Session, Step};

use super::super::driver::handle_performing_observed;
use super::super::events::EventLog;
use super::super::http::{HttpClient, HttpOutcome};
use super::super::secrets::EnvSecrets;
use super::committer::Committer;
use super::store::{BundleHash, SessionStore, StoreError, StoredSession, Write};

/// Why the server cannot start or cannot take an input.
#[derive(Debug)]
pub enum ServeError {
    /// The bundle is refused or cannot run.
    Bundle(String),
    /// The store failed; the conversation is left as it was stored.
    Store(StoreError),
    /// A stored conversation cannot be restored (a corrupt record, a missing bundle).
    Restore(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Bundle(why) => write!(f, "the bundle cannot run: {why}"),
            ServeError::Store(error) => error.fmt(f),
            ServeError::Restore(why) => write!(f, "cannot restore the conversation: {why}"),
        }
    }
}

impl std::error::Error for ServeError {}

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

/// One conversation's slot; its lock orders the conversation's inputs.
#[derive(Debug, Default)]
struct Slot {
    /// Whether `live` and `stored` reflect the store (false until first read, and after a
    /// failed write).
    loaded: bool,
    live: Option<Live>,
    /// The snapshot the store holds, to skip writes that change nothing.
    stored: Option<Vec<u8>>,
}

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
}

/// Serves the session protocol for many conversations over a durable store.
pub struct Server {
    current: Arc<Loaded>,
    bundles: Mutex<HashMap<BundleHash, Arc<Loaded>>>,
    store: Arc<dyn SessionStore>,
    committer: Committer,
    http: HttpClient,
    secrets: EnvSecrets,
    events: Option<Arc<EventLog>>,
    shards: Vec<Mutex<Table>>,
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

fn load_bundle(hash: BundleHash, bytes: &[u8]) -> Result<Loaded, String> {
    let module = crate::bundle::load(bytes).map_err(|e| e.to_string())?;
    let program = Program::new(module).map_err(|e| e.to_string())?;
    Ok(Loaded { hash, program })
}

impl Server {
    /// Verifies the bundle, keeps it in the store by its hash, and starts the store's
    /// writer thread (returned: join it after the server is dropped, to wait for the
    /// last writes).
    pub fn new(
        options: ServerOptions,
    ) -> Result<(Server, std::thread::JoinHandle<()>), ServeError> {
        let hash: BundleHash = *blake3::hash(&options.bundle).as_bytes();
        let current = Arc::new(load_bundle(hash, &options.bundle).map_err(ServeError::Bundle)?);
        options.store.put_bundle(&hash, &options.bundle)?;
        let (committer, writer) = Committer::start(options.store.clone())
            .map_err(|e| ServeError::Store(StoreError(e.to_string())))?;
        let server = Server {
            bundles: Mutex::new(HashMap::from([(hash, current.clone())])),
            current,
            store: options.store,
            committer,
            http: options.http,
            secrets: options.secrets,
            events: options.events,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        };
        Ok((server, writer))
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
        let index = blake3::hash(conversation.as_bytes()).as_bytes()[0] as usize % SHARDS;
        &self.shards[index]
    }

    fn slot(&self, conversation: &str) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut table = self
            .shard(conversation)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        table.entry(conversation.to_owned()).or_default().clone()
    }

    /// Drops an empty slot from the table unless another request holds it.
    fn forget_if_unused(&self, conversation: &str, slot: &Arc<tokio::sync::Mutex<Slot>>) {
        let mut table = self
            .shard(conversation)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // The table's reference and ours: nobody else can reach it.
        if Arc::strong_count(slot) == 2 {
            table.remove(conversation);
        }
    }

    fn bundle(&self, hash: &BundleHash) -> Result<Arc<Loaded>, ServeError> {
        if let Some(loaded) = self
            .bundles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
        {
            return Ok(loaded.clone());
        }
        let bytes = self.store.bundle(hash)?.ok_or_else(|| {
            ServeError::Restore(format!("bundle {} is not in the store", hex(hash)))
        })?;
        let loaded = Arc::new(load_bundle(*hash, &bytes).map_err(ServeError::Restore)?);
        self.bundles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(*hash, loaded.clone());
        Ok(loaded)
    }

    fn restore(&self, conversation: &str, slot: &mut Slot) -> Result<(), ServeError> {
        slot.live = None;
        slot.stored = None;
        if let Some(stored) = self.store.load(conversation)? {
            let bundle = self.bundle(&stored.bundle)?;
            let session = Session::from_snapshot(&bundle.program, &stored.snapshot)
                .map_err(|e| ServeError::Restore(e.to_string()))?;
            slot.live = Some(Live { bundle, session });
            slot.stored = Some(stored.snapshot);
        }
        slot.loaded = true;
        Ok(())
    }

    /// Handles one input: applies it to its conversation (one at a time per
    /// conversation, in arrival order), performs its HTTP requests, makes the new state
    /// durable, writes its analytics events, and returns its outputs. On a store error
    /// nothing is answered and the conversation stays as stored.
    pub async fn handle(&self, input: Input) -> Result<Step, ServeError> {
        let conversation = input.conversation.clone();
        let slot_arc = self.slot(&conversation);
        let mut slot = slot_arc.lock().await;
        let result = self.handle_locked(&mut slot, input).await;
        if result.is_err() {
            // Memory may be ahead of the store: read it again next time.
            slot.loaded = false;
            slot.live = None;
        }
        let empty = slot.loaded && slot.live.is_none();
        drop(slot);
        if empty {
            self.forget_if_unused(&conversation, &slot_arc);
        }
        let step = result?;
        if let Some(log) = &self.events
            && let Err(error) = log.write(&step.events)
        {
            eprintln!("procc serve: cannot write the events log: {error}");
        }
        Ok(step)
    }

    async fn handle_locked(&self, slot: &mut Slot, input: Input) -> Result<Step, ServeError> {
        if !slot.loaded {
            self.restore(&input.conversation, slot)?;
        }
        let conversation = input.conversation.clone();
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
        self.persist(slot, &conversation).await?;
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
                    conversation,
                    event: Event::End,
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
            |input| {
                // A `start` draws the new session's nonce (idempotency keys, §7).
                let nonce = crate::runtime::random::bytes();
                Session::handle_with_nonce(state, &bundle.program, input, nonce)
            },
            input,
            log_failure,
        )
        .await
    }

    /// Makes the slot's state durable (when it changed) before anything is answered.
    async fn persist(&self, slot: &mut Slot, conversation: &str) -> Result<(), ServeError> {
        let snapshot = slot.live.as_ref().map(|live| {
            (
                live.bundle.hash,
                live.session.to_snapshot(&live.bundle.program),
            )
        });
        let write = match (&snapshot, &slot.stored) {
            (None, None) => return Ok(()),
            (Some((_, new)), Some(old)) if new == old => return Ok(()),
            (Some((hash, new)), _) => Write::Put {
                conversation: conversation.to_owned(),
                session: StoredSession {
                    bundle: *hash,
                    snapshot: new.clone(),
                },
            },
            (None, Some(_)) => Write::Delete {
                conversation: conversation.to_owned(),
            },
        };
        self.committer.commit(write).await?;
        slot.stored = snapshot.map(|(_, bytes)| bytes);
        Ok(())
    }
}

/// Tells the operator why a request failed (never its URL, headers or body).
fn log_failure(request: &crate::vm::Action, outcome: &HttpOutcome) {
    if let (crate::vm::Action::Request { method, .. }, Some(error)) = (request, &outcome.error) {
        eprintln!(
            "procc serve: {method} request failed after {} attempt(s): {error}",
            outcome.attempts
        );
    }
}
