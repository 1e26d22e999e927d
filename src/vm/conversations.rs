//! The conversation table: routes each input to its session, creates sessions on
//! `start`, removes them on `end`, and guarantees that an input answered with `error`
//! changes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use super::input::parse_input_line;
use super::program::Program;
use super::protocol::{Event, Input};
use super::session::{Cx, Session, Step, error_output};
use super::snapshot::SnapshotError;

/// Every live conversation of one program.
#[derive(Debug)]
pub struct Conversations {
    program: Arc<Program>,
    sessions: HashMap<String, Session>,
    /// The host's random seed for session nonces (idempotency keys).
    seed: [u8; 32],
    /// `start`s handled so far: two sessions of one table never share a nonce.
    starts: u64,
}

impl Conversations {
    /// An empty table running `program`, with an all-zero seed: idempotency keys are
    /// unique within this table's life but repeat in another table. A host whose
    /// conversations outlive the table (a restart, a second process) must use
    /// [`Conversations::with_seed`].
    pub fn new(program: Arc<Program>) -> Conversations {
        Conversations::with_seed(program, [0; 32])
    }

    /// An empty table running `program`; `seed` is the host's randomness (the vm draws
    /// none), from which every session gets its own nonce at `start`, so no two
    /// requests of two sessions share an idempotency key (§7).
    pub fn with_seed(program: Arc<Program>, seed: [u8; 32]) -> Conversations {
        Conversations {
            program,
            sessions: HashMap::new(),
            seed,
            starts: 0,
        }
    }

    /// The program being run.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// Handles one input: its outputs in order, and the analytics events it caused
    /// (see [`Session::handle`] for the rules).
    pub fn handle(&mut self, input: Input) -> Step {
        let mut slot = self.sessions.remove(&input.conversation);
        let conv = input.conversation.clone();
        let nonce = if matches!(input.event, Event::Start { .. }) {
            self.starts = self.starts.wrapping_add(1);
            derive_nonce(&self.seed, self.starts)
        } else {
            [0; 16]
        };
        let step = Session::handle_with_nonce(&mut slot, &self.program, input, nonce);
        if let Some(session) = slot {
            self.sessions.insert(conv, session);
        }
        step
    }

    /// Parses a raw protocol line and handles it; a `bad_input` line gives its `error`.
    pub fn handle_line(&mut self, line: &str) -> Step {
        match parse_input_line(line) {
            Ok(input) => self.handle(input),
            Err(output) => Step {
                outputs: vec![output],
                ..Step::default()
            },
        }
    }

    /// Whether the conversation exists (has had `start`, not yet `end`).
    pub fn contains(&self, conversation: &str) -> bool {
        self.sessions.contains_key(conversation)
    }

    /// How many conversations are live.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no conversation is live.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The conversation's compact snapshot, or `None` when it does not exist (never
    /// started, or ended: a persisting host then deletes its stored copy).
    pub fn snapshot(&self, conversation: &str) -> Option<Vec<u8>> {
        self.sessions
            .get(conversation)
            .map(|s| s.to_snapshot(&self.program))
    }

    /// Puts a conversation back from its snapshot (replacing a live one of that id).
    pub fn restore(&mut self, conversation: &str, snapshot: &[u8]) -> Result<(), SnapshotError> {
        let session = Session::from_snapshot(&self.program, snapshot)?;
        self.sessions.insert(conversation.to_owned(), session);
        Ok(())
    }

    /// Drops a conversation from memory without any output (a host evicting an idle
    /// session it has persisted). Returns whether it was there.
    pub fn evict(&mut self, conversation: &str) -> bool {
        self.sessions.remove(conversation).is_some()
    }
}

impl Session {
    /// Handles one input for the conversation whose state is in `slot` (`None`: not
    /// started, or ended). `start` fills the slot, `end` empties it; on `error` the
    /// slot is left exactly as it was. This is the whole protocol for one conversation:
    /// a host that keeps sessions itself (one lock per conversation, a durable store)
    /// calls it directly; [`Conversations`] is a map around it.
    ///
    /// `start` for a conversation that exists replaces it (a run in progress ends
    /// `done … cancelled` first) when the customer is valid, and leaves it untouched
    /// when not.
    ///
    /// A `start` gets an all-zero nonce: use [`Session::handle_with_nonce`] to give each
    /// session its own (idempotency keys, §7).
    pub fn handle(slot: &mut Option<Session>, program: &Program, input: Input) -> Step {
        Session::handle_with_nonce(slot, program, input, [0; 16])
    }

    /// [`Session::handle`], where a `start` gives the new session `nonce`: random bytes
    /// the host draws for each `start` (the vm has none), kept in the session's
    /// snapshot, that make its requests' idempotency keys its own. Other events ignore it.
    pub fn handle_with_nonce(
        slot: &mut Option<Session>,
        program: &Program,
        input: Input,
        nonce: [u8; 16],
    ) -> Step {
        let conv = input.conversation;
        let at = input.at;
        let mut cx = Cx::new(program, &conv);
        match input.event {
            Event::Start { customer, secrets } => {
                match Session::start(program, &customer, secrets.as_ref(), nonce) {
                    Ok(session) => {
                        if let Some(old) = slot.as_mut() {
                            old.at = at;
                            old.end(&mut cx);
                        }
                        *slot = Some(session);
                    }
                    Err(reject) => return error_step(&conv, reject.code, reject.message),
                }
            }
            Event::End => match slot.take() {
                Some(mut session) => {
                    session.at = at;
                    session.end(&mut cx);
                }
                None => return unknown(&conv),
            },
            event => {
                let Some(session) = slot.as_mut() else {
                    return unknown(&conv);
                };
                // Applied to a copy: an error discards it, so the session stays exactly as it was.
                let mut next = session.clone();
                next.at = at;
                match next.apply(&mut cx, event) {
                    Ok(()) => {
                        next.at = None;
                        *session = next;
                    }
                    Err(reject) => return error_step(&conv, reject.code, reject.message),
                }
            }
        }
        cx.step
    }
}

/// The nonce of the `n`-th session of a table seeded with `seed`.
fn derive_nonce(seed: &[u8; 32], n: u64) -> [u8; 16] {
    let hash = blake3::keyed_hash(seed, &n.to_le_bytes());
    let mut nonce = [0; 16];
    nonce.copy_from_slice(&hash.as_bytes()[..16]);
    nonce
}

fn error_step(conv: &str, code: &str, message: String) -> Step {
    Step {
        outputs: vec![error_output(Some(conv.to_owned()), code, message)],
        ..Step::default()
    }
}

fn unknown(conv: &str) -> Step {
    error_step(
        conv,
        "unknown_conversation",
        format!("conversation {conv:?} has not started"),
    )
}
