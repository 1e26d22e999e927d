//! Compact session snapshots (postcard), for hosts that persist conversations.
//!
//! Layout: one format byte, four bytes of the program's fingerprint (a snapshot only
//! restores under the program that wrote it: indexes would mean other things under
//! another), then the postcard-encoded [`Session`]. Restoring checks every index
//! against the program, so a corrupt or foreign snapshot is an error, never a panic.
//!
//! Versions: postcard is not self-describing, so any change to what a [`Session`]
//! encodes (a new field, a reordered enum) is a new format. Whoever makes one bumps
//! [`FORMAT`], keeps the previous shape frozen (as `snapshot_v1.rs` keeps format 1, with
//! its conversion into today's [`Session`]) and adds its arm to [`decode`]: a host upgraded
//! in place (`procc serve` on its store) then still restores every conversation written
//! before. A snapshot of a newer format than this build knows is refused as
//! [`SnapshotError::Newer`], never misread.

use crate::codegen::isa::Instr;

use super::program::Program;
use super::session::{Effect, Session, Wait};

/// The snapshot format this build writes (and the newest it reads). Format 1 (before
/// sessions had a nonce, runs their approval lock and refusal, and revision 2's run state:
/// the HTTP status, the failure and the `then` hand-over) is still read.
pub(super) const FORMAT: u8 = 2;

/// Why a snapshot cannot be restored.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not a snapshot (no format byte, or one no version of procc wrote).
    Format,
    /// Written by a newer procc, in a format this build does not know.
    Newer(u8),
    /// Written under a different program (bundle).
    OtherProgram,
    /// The bytes do not decode.
    Corrupt(String),
    /// It refers to something the program does not have.
    Inconsistent(&'static str),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::Format => f.write_str("not a session snapshot of this version"),
            SnapshotError::Newer(format) => write!(
                f,
                "the snapshot is in format {format}, newer than this procc reads ({FORMAT})"
            ),
            SnapshotError::OtherProgram => {
                f.write_str("the snapshot was written by another program")
            }
            SnapshotError::Corrupt(why) => write!(f, "corrupt snapshot: {why}"),
            SnapshotError::Inconsistent(what) => {
                write!(f, "snapshot does not fit the program: {what}")
            }
        }
    }
}

impl std::error::Error for SnapshotError {}

/// Decodes a snapshot's body written in `format` (one arm per format this build still
/// reads; see the module's doc).
fn decode(format: u8, body: &[u8]) -> Result<Session, SnapshotError> {
    match format {
        FORMAT => postcard::from_bytes(body).map_err(|e| SnapshotError::Corrupt(e.to_string())),
        1 => super::snapshot_v1::decode(body).map_err(|e| SnapshotError::Corrupt(e.to_string())),
        _ => Err(SnapshotError::Format),
    }
}

impl Session {
    /// Encodes the session.
    pub fn to_snapshot(&self, prog: &Program) -> Vec<u8> {
        let mut bytes = vec![FORMAT];
        bytes.extend_from_slice(&prog.fingerprint());
        // Encoding plain data into a Vec cannot fail; an empty tail would be refused
        // by `from_snapshot` rather than misread.
        bytes.extend(postcard::to_allocvec(self).unwrap_or_default());
        bytes
    }

    /// Decodes and checks a session written by [`Session::to_snapshot`].
    pub fn from_snapshot(prog: &Program, bytes: &[u8]) -> Result<Session, SnapshotError> {
        let (&format, rest) = bytes.split_first().ok_or(SnapshotError::Format)?;
        if format > FORMAT {
            return Err(SnapshotError::Newer(format));
        }
        let (fingerprint, body) = rest.split_at_checked(4).ok_or(SnapshotError::Format)?;
        if fingerprint != prog.fingerprint() {
            return Err(SnapshotError::OtherProgram);
        }
        let session = decode(format, body)?;
        session.check(prog)?;
        Ok(session)
    }

    fn check(&self, prog: &Program) -> Result<(), SnapshotError> {
        let module = prog.module();
        let bad = |what| Err(SnapshotError::Inconsistent(what));
        if self.customer.len() != module.customer.len() {
            return bad("customer attributes");
        }
        if self.secrets.len() != module.secrets.len() {
            return bad("secrets");
        }
        if self.known.keys().any(|&v| prog.var(v).is_none()) {
            return bad("variable");
        }
        if self.offered.iter().any(|&p| prog.procedure(p).is_none()) || !self.offered.is_sorted() {
            return bad("offered procedure");
        }
        let Some(run) = &self.run else { return Ok(()) };
        let Some(code) = prog
            .procedure(run.proc)
            .and_then(|p| prog.chunk(p.body))
            .map(|c| &c.code)
        else {
            return bad("running procedure");
        };
        // A run only rests at the instruction it suspended on.
        let at = code.get(run.pc as usize);
        let fits = match run.wait {
            Wait::Nothing => false,
            Wait::Ask(var) => at == Some(&Instr::Collect(var)),
            Wait::Approve(by) => at == Some(&Instr::Approve(by)),
            Wait::Await(_) => at == Some(&Instr::Await),
            // A lookup waits at its own `Collect`; a validation lookup wherever the value
            // it validates came (an ask, an approval, a click's first step).
            Wait::Lookup(lookup) => {
                at == Some(&Instr::Collect(lookup))
                    && prog.var(lookup).is_some_and(|d| d.lookup.is_some())
            }
            Wait::Validate(var, lookup) => {
                at.is_some()
                    && prog
                        .var(var)
                        .is_some_and(|d| d.validations.contains(&lookup))
            }
        };
        let effect_ok = match run.effect {
            Some(Effect::Component(i)) => (i as usize) < module.components.len(),
            _ => true,
        };
        let tries_ok = run.tries.is_none_or(|(v, _)| prog.var(v).is_some());
        let then_ok = run.then.is_none_or(|p| prog.procedure(p).is_some());
        if !fits || !effect_ok || !tries_ok || !then_ok || run.stack.len() > super::eval::MAX_STACK
        {
            return bad("suspended run");
        }
        Ok(())
    }
}
