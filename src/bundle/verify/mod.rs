//! The bundle verifier: proves a [`Module`] safe to run before anything in it runs.
//!
//! [`verify`] checks, in order: the tables (every index in range, built-in types intact,
//! type chains and variable dependencies acyclic, a well-formed trigger index, names
//! unique); every distinct regex once (`regexes`); then every chunk, once — a chunk has
//! exactly one use (see `roles`): operand indexes, forward-only jumps inside the
//! chunk, what a chunk of that use may contain, effects matching the procedure's kind
//! (`structure`); stack depth and types, taint of secrets (rule 3), results read only
//! after an `Await`, every path ending (`flow`); and for irreversible procedures, an
//! approval dominating every effect (rule 2, `approval`). Chunks no table uses are
//! refused, so everything a bundle holds has been verified.
//!
//! Limits keep verification linear in the bundle's size on hostile input: at most
//! [`MAX_CHUNK_LEN`] instructions per chunk and [`MAX_STACK`] stack slots, each chunk
//! verified once (a chunk shared by several uses is refused: the code generator never
//! shares one), each distinct pattern compiled once, and all patterns together within
//! [`crate::limits::REGEX_TOTAL_LIMIT`].

mod approval;
mod error;
mod flow;
mod names;
mod regexes;
pub(crate) mod roles;
mod structure;
mod tables;
pub(crate) mod then;
mod types;

pub use error::{Rule, VerifyError};
pub use flow::MAX_STACK;

use crate::codegen::isa::{ChunkId, Instr, ProcId};
use crate::codegen::module::{Kind, Module};
use roles::Role;

pub use crate::limits::MAX_CHUNK_LEN;

/// A module that passed the verifier: the only input `vm::Program` runs without
/// verifying again. Made only by [`Verified::new`] (and [`crate::bundle::load_verified`]),
/// which run [`verify`]; it cannot be changed afterwards.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    module: Module,
}

impl Verified {
    /// Runs the verifier on `module`.
    pub fn new(module: Module) -> Result<Verified, VerifyError> {
        verify(&module)?;
        Ok(Verified { module })
    }

    /// The verified module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// The module, no longer marked as verified.
    pub fn into_module(self) -> Module {
        self.module
    }
}

/// Verifies a module; `Ok(())` means it may run.
pub fn verify(module: &Module) -> Result<(), VerifyError> {
    tables::check_tables(module)?;
    names::check_names(module)?;
    let uses = roles::uses(module);
    check_one_use_each(module, &uses)?;
    regexes::check_regexes(module)?;
    for u in &uses {
        check_chunk(module, u)?;
    }
    Ok(())
}

/// Every chunk has exactly one use: none is left unverified, and none is verified twice
/// (checked before any chunk is, so a bundle sharing one costly chunk is refused at once).
fn check_one_use_each(module: &Module, uses: &[roles::Use]) -> Result<(), VerifyError> {
    let mut used = vec![false; module.chunks.len()];
    for u in uses {
        if let Some(slot) = used.get_mut(u.chunk as usize) {
            if *slot {
                return Err(VerifyError::table(
                    Rule::SharedChunk,
                    u.place.describe(module),
                    format!("chunk {} is used more than once", u.chunk),
                ));
            }
            *slot = true;
        }
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(VerifyError::table(
            Rule::UnusedChunk,
            format!("chunk {unused}"),
            "no table refers to this chunk",
        ));
    }
    then::check_then_chains(module)
}

fn check_chunk(module: &Module, u: &roles::Use) -> Result<(), VerifyError> {
    let Some(chunk) = module.chunks.get(u.chunk as usize) else {
        return Err(VerifyError::table(
            Rule::IndexOutOfRange,
            u.place.describe(module),
            format!("chunk index {} is out of range", u.chunk),
        ));
    };
    let proc = u.owner.and_then(|p| module.procedures.get(p as usize));
    let cx = ChunkCtx {
        module,
        code: &chunk.code,
        role: u.role,
        owner: u.owner,
        kind: proc.map(|p| p.kind),
        chunk: u.chunk,
        place: u.place,
        procedure: proc.map(|p| p.name.as_str()),
    };
    if chunk.code.is_empty() {
        return Err(cx.err(Rule::FallsOffEnd, 0, "the chunk is empty"));
    }
    if chunk.code.len() > MAX_CHUNK_LEN {
        return Err(cx.err(
            Rule::LimitExceeded,
            0,
            format!(
                "the chunk has {} instructions (at most {MAX_CHUNK_LEN})",
                chunk.code.len()
            ),
        ));
    }
    structure::check_structure(&cx)?;
    flow::check_flow(&cx)?;
    if let Role::Body(p) = u.role
        && module
            .procedures
            .get(p as usize)
            .is_some_and(|p| p.irreversible)
    {
        approval::check_approval(&cx)?;
    }
    Ok(())
}

/// What the checks of one chunk use know about it.
pub(crate) struct ChunkCtx<'m> {
    /// The module.
    pub module: &'m Module,
    /// The chunk's code.
    pub code: &'m [Instr],
    /// What the chunk is used for.
    pub role: Role,
    /// The procedure the chunk belongs to, if any.
    pub owner: Option<ProcId>,
    /// That procedure's kind.
    pub kind: Option<Kind>,
    /// The chunk's index.
    pub chunk: ChunkId,
    /// Where it is used, for messages.
    pub place: roles::Place,
    /// The owning procedure's name.
    pub procedure: Option<&'m str>,
}

impl ChunkCtx<'_> {
    /// An error at an instruction of this chunk.
    pub(crate) fn err(&self, rule: Rule, instr: u32, detail: impl Into<String>) -> VerifyError {
        VerifyError {
            rule,
            place: self.place.describe(self.module),
            procedure: self.procedure.map(str::to_string),
            chunk: Some(self.chunk),
            instr: Some(instr),
            detail: detail.into(),
        }
    }
}

/// The procedure kind an effect instruction belongs to, or `None` for other instructions.
pub(crate) fn effect_kind(instr: &Instr) -> Option<Kind> {
    Some(match instr {
        Instr::FollowUp => Kind::FollowUp,
        Instr::Redirect => Kind::Redirect,
        Instr::OpenComponent(_) => Kind::Component,
        Instr::SwitchTopic(_) => Kind::SwitchTopic,
        Instr::LiveChat => Kind::LiveChat,
        Instr::Request(_) => Kind::ApiCall,
        Instr::Javascript(_) => Kind::Javascript,
        _ => return None,
    })
}
