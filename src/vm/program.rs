//! A [`Module`] prepared for running: regexes compiled, names indexed, table
//! references checked. Built once, shared by every session as `Arc<Program>`.

use std::collections::HashMap;

use regex::Regex;

use crate::bundle::BundleError;
use crate::bundle::verify::{Verified, VerifyError};
use crate::codegen::isa::{Chunk, ChunkId, Instr, ProcId, StrId, TypeId, VarId};
use crate::codegen::module::{DepKind, Module, ProcDef, Shape, TypeDef, VarDef};

use super::value::Value;

/// Why a module cannot be run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgramError {
    /// A regex of an `Instr::Matches` does not compile.
    BadRegex {
        /// The pattern.
        pattern: String,
        /// The regex crate's explanation.
        reason: String,
    },
    /// A table refers to an index that does not exist.
    BadIndex(String),
    /// The verifier refused the module (§6): nothing in it may run.
    Unverified(VerifyError),
}

impl std::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProgramError::BadRegex { pattern, reason } => {
                write!(f, "invalid regex {pattern:?}: {reason}")
            }
            ProgramError::BadIndex(what) => write!(f, "index out of range: {what}"),
            ProgramError::Unverified(error) => write!(f, "the module is refused: {error}"),
        }
    }
}

impl std::error::Error for ProgramError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProgramError::Unverified(error) => Some(error),
            _ => None,
        }
    }
}

/// Why bundle bytes cannot be run: not a bundle the verifier accepts, or a module that
/// cannot be prepared.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// The bytes are not a valid bundle (format, hash, signatures, the verifier).
    Bundle(BundleError),
    /// The verified module cannot be prepared (a regex that does not compile...).
    Program(ProgramError),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Bundle(error) => error.fmt(f),
            LoadError::Program(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Bundle(error) => Some(error),
            LoadError::Program(error) => Some(error),
        }
    }
}

/// Whether guards may run as native code (feature `jit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// Guards in the native tier's subset are compiled to native code (the default;
    /// the same as [`Tier::Interpreted`] without the `jit` feature).
    Native,
    /// Every guard runs in the interpreter.
    Interpreted,
}

/// A module ready to run.
#[derive(Debug)]
pub struct Program {
    module: Module,
    regexes: HashMap<StrId, Regex>,
    procedures: HashMap<String, ProcId>,
    conversation_vars: HashMap<String, VarId>,
    local_vars: HashMap<(ProcId, String), VarId>,
    sources: HashMap<String, usize>,
    faqs: HashMap<String, usize>,
    /// For each variable, the variables whose `when`/`check`/`default` mention it.
    guard_dependents: Vec<Vec<VarId>>,
    /// For each procedure, its local variables.
    locals: Vec<Vec<VarId>>,
    /// For each string, its index in `text_values` when an `Instr::Str` pushes it
    /// (`u32::MAX` otherwise).
    text_slots: Vec<u32>,
    /// The strings `Instr::Str` pushes, as values the interpreter's operands borrow.
    text_values: Vec<Value>,
    /// For each type, its chain of parents, root first (see [`Program::type_chain`]):
    /// worked out once here because answers, responses and `ask`s walk it on every event.
    type_chains: Vec<Box<[TypeId]>>,
    /// The first bytes of the module's hash: ties snapshots to the program.
    fingerprint: [u8; 4],
    /// Whether runs report each `if` condition they test in [`Step::branches`]
    /// (off unless [`Program::with_branch_trace`]).
    ///
    /// [`Step::branches`]: super::Step::branches
    branch_trace: bool,
    /// Guards compiled to native code (none when built with [`Program::interpreted`]).
    #[cfg(feature = "jit")]
    jit: super::jit::Jit,
}

impl Program {
    /// Prepares a module: runs the bundle verifier on it (§6: the only way to a
    /// `Program` — a module the verifier refuses is [`ProgramError::Unverified`], so the
    /// library offers no way to run an unverified module), compiles every regex used by `Matches`, indexes names, and
    /// checks that every table reference (types, chunks, variables, procedures, trigger
    /// lists) is in range, so lookups during a run cannot fail on them. With the `jit`
    /// feature, guards in the native tier's subset are compiled to native code too
    /// (see [`Program::native_guards`]); [`Program::interpreted`] opts out.
    pub fn new(module: Module) -> Result<Program, ProgramError> {
        Program::prepare(module, true)
    }

    /// Like [`Program::new`], but every guard runs in the interpreter, even with the
    /// `jit` feature (for embedders who want no generated code, and for comparisons).
    pub fn interpreted(module: Module) -> Result<Program, ProgramError> {
        Program::prepare(module, false)
    }

    /// How many guard chunks run as native code (0 without the `jit` feature, with
    /// [`Program::interpreted`], or on a host Cranelift does not support).
    pub fn native_guards(&self) -> usize {
        #[cfg(feature = "jit")]
        return self.jit.compiled();
        #[cfg(not(feature = "jit"))]
        0
    }

    /// This program, with every `if` condition a run tests reported in
    /// [`Step::branches`]: which condition chunk, and whether it held (for `procc test
    /// --coverage`). Off by default; it costs nothing on the instruction dispatch
    /// path, only one flag test per `if` statement executed, which already evaluates a
    /// whole condition chunk.
    ///
    /// [`Step::branches`]: super::Step::branches
    pub fn with_branch_trace(mut self) -> Program {
        self.branch_trace = true;
        self
    }

    /// Whether runs report the `if` conditions they test ([`Program::with_branch_trace`]).
    #[inline]
    pub(crate) fn traces_branches(&self) -> bool {
        self.branch_trace
    }

    /// The native function of a guard chunk, if it was compiled.
    #[cfg(feature = "jit")]
    #[inline]
    pub(crate) fn native_guard(&self, chunk: ChunkId) -> Option<super::jit::GuardFn> {
        self.jit.guard(chunk)
    }

    /// Loads bundle bytes into a program: decodes them, runs the verifier once, and
    /// prepares the module ([`Program::new`]'s checks but the verifier's).
    pub fn load(bytes: &[u8]) -> Result<Program, LoadError> {
        let verified = crate::bundle::load_verified(bytes).map_err(LoadError::Bundle)?;
        Program::from_verified(verified, Tier::Native).map_err(LoadError::Program)
    }

    /// Prepares a module the verifier already passed (from
    /// [`crate::bundle::load_verified`] or [`Verified::new`]) without verifying it again.
    pub fn from_verified(verified: Verified, tier: Tier) -> Result<Program, ProgramError> {
        Program::build(verified.into_module(), tier == Tier::Native)
    }

    fn prepare(module: Module, native: bool) -> Result<Program, ProgramError> {
        let verified = Verified::new(module).map_err(ProgramError::Unverified)?;
        Program::build(verified.into_module(), native)
    }

    /// A program from a module the verifier never saw: only for the crate's own tests of
    /// the interpreter and the native tier on arbitrary bytecode (defence in depth).
    #[cfg(test)]
    pub(crate) fn unverified(module: Module, native: bool) -> Result<Program, ProgramError> {
        Program::build(module, native)
    }

    fn build(module: Module, native: bool) -> Result<Program, ProgramError> {
        check_tables(&module)?;
        let mut regexes = HashMap::new();
        let mut by_pattern: HashMap<&str, Regex> = HashMap::new();
        let mut text_slots = vec![u32::MAX; module.strings.len()];
        let mut text_values = Vec::new();
        for chunk in &module.chunks {
            for instr in &chunk.code {
                if let Instr::Str(id) = *instr
                    && let (Some(slot), Some(text)) = (
                        text_slots.get_mut(id as usize),
                        module.strings.get(id as usize),
                    )
                    && *slot == u32::MAX
                {
                    *slot = text_values.len() as u32;
                    text_values.push(Value::Text(text.clone()));
                }
                if let Instr::Matches(id) = *instr {
                    if regexes.contains_key(&id) {
                        continue;
                    }
                    let pattern = module
                        .strings
                        .get(id as usize)
                        .ok_or_else(|| ProgramError::BadIndex(format!("regex string {id}")))?;
                    // One compilation per distinct pattern, however many strings hold it.
                    let regex = match by_pattern.get(pattern.as_str()) {
                        Some(regex) => Regex::clone(regex),
                        None => {
                            let regex =
                                Regex::new(pattern).map_err(|e| ProgramError::BadRegex {
                                    pattern: pattern.clone(),
                                    reason: e.to_string(),
                                })?;
                            by_pattern.insert(pattern.as_str(), regex.clone());
                            regex
                        }
                    };
                    regexes.insert(id, regex);
                }
            }
        }
        let mut procedures = HashMap::new();
        for (i, def) in module.procedures.iter().enumerate() {
            procedures.entry(def.name.clone()).or_insert(i as ProcId);
        }
        let mut conversation_vars = HashMap::new();
        let mut local_vars = HashMap::new();
        let mut locals = vec![Vec::new(); module.procedures.len()];
        let mut guard_dependents = vec![Vec::new(); module.vars.len()];
        for (i, def) in module.vars.iter().enumerate() {
            let id = i as VarId;
            // A lookup is never answered nor provided: its name is no variable's (§4).
            let named = def.lookup.is_none();
            match def.owner {
                None if named => {
                    conversation_vars.entry(def.name.clone()).or_insert(id);
                }
                None => {}
                Some(owner) => {
                    if named {
                        local_vars.entry((owner, def.name.clone())).or_insert(id);
                    }
                    if let Some(list) = locals.get_mut(owner as usize) {
                        list.push(id);
                    }
                }
            }
            for dep in &def.deps {
                if dep.kind == DepKind::Guard
                    && let Some(list) = guard_dependents.get_mut(dep.var as usize)
                    && !list.contains(&id)
                {
                    list.push(id);
                }
            }
        }
        let index = |items: &[crate::codegen::module::Knowledge]| {
            let mut map = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                map.entry(item.id.clone()).or_insert(i);
            }
            map
        };
        let encoded = postcard::to_allocvec(&module).unwrap_or_default();
        let hash = blake3::hash(&encoded);
        let mut fingerprint = [0; 4];
        fingerprint.copy_from_slice(&hash.as_bytes()[..4]);
        #[cfg(feature = "jit")]
        let jit = if native {
            super::jit::Jit::compile(&module)
        } else {
            super::jit::Jit::interpreted()
        };
        #[cfg(not(feature = "jit"))]
        let _ = native;
        Ok(Program {
            #[cfg(feature = "jit")]
            jit,
            fingerprint,
            branch_trace: false,
            type_chains: type_chains(&module.types),
            text_slots,
            text_values,
            sources: index(&module.sources),
            faqs: index(&module.faqs),
            module,
            regexes,
            procedures,
            conversation_vars,
            local_vars,
            guard_dependents,
            locals,
        })
    }

    /// The module being run.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Four bytes identifying the module (from its blake3 hash).
    pub fn fingerprint(&self) -> [u8; 4] {
        self.fingerprint
    }

    /// A procedure's id by name.
    pub fn procedure_id(&self, name: &str) -> Option<ProcId> {
        self.procedures.get(name).copied()
    }

    /// A variable by name: the procedure's own local first (when `running` is given),
    /// then a conversation variable.
    pub fn var_id(&self, name: &str, running: Option<ProcId>) -> Option<VarId> {
        running
            .and_then(|proc| self.local_vars.get(&(proc, name.to_owned())).copied())
            .or_else(|| self.conversation_vars.get(name).copied())
    }

    /// The procedures triggered by a source, by its platform id.
    pub(crate) fn source_triggers(&self, id: &str) -> &[ProcId] {
        self.sources
            .get(id)
            .and_then(|&i| self.module.triggers.by_source.get(i))
            .map_or(&[], Vec::as_slice)
    }

    /// The procedures triggered by an FAQ, by its platform id.
    pub(crate) fn faq_triggers(&self, id: &str) -> &[ProcId] {
        self.faqs
            .get(id)
            .and_then(|&i| self.module.triggers.by_faq.get(i))
            .map_or(&[], Vec::as_slice)
    }

    pub(crate) fn regex(&self, id: StrId) -> Option<&Regex> {
        self.regexes.get(&id)
    }

    /// Every compiled regex, by the string id of its pattern (for the native tier).
    #[cfg(feature = "jit")]
    pub(crate) fn regexes(&self) -> &HashMap<StrId, Regex> {
        &self.regexes
    }

    pub(crate) fn chunk(&self, id: ChunkId) -> Option<&Chunk> {
        self.module.chunks.get(id as usize)
    }

    pub(crate) fn var(&self, id: VarId) -> Option<&VarDef> {
        self.module.vars.get(id as usize)
    }

    pub(crate) fn procedure(&self, id: ProcId) -> Option<&ProcDef> {
        self.module.procedures.get(id as usize)
    }

    pub(crate) fn ty(&self, id: TypeId) -> Option<&TypeDef> {
        self.module.types.get(id as usize)
    }

    /// The string `Instr::Str(id)` pushes, as a value.
    pub(crate) fn text_value(&self, id: StrId) -> Option<&Value> {
        let slot = *self.text_slots.get(id as usize)?;
        self.text_values.get(slot as usize)
    }

    pub(crate) fn string(&self, id: StrId) -> Option<&str> {
        self.module.strings.get(id as usize).map(String::as_str)
    }

    /// Variables whose guards mention `var`, transitively (not `var` itself).
    pub(crate) fn stale_after_change(&self, var: VarId) -> Vec<VarId> {
        let mut seen = vec![var];
        let mut queue = vec![var];
        while let Some(next) = queue.pop() {
            for &dependent in self
                .guard_dependents
                .get(next as usize)
                .map_or(&[][..], |v| v)
            {
                if !seen.contains(&dependent) {
                    seen.push(dependent);
                    queue.push(dependent);
                }
            }
        }
        seen.retain(|&v| v != var);
        seen
    }

    /// A procedure's local variables.
    pub(crate) fn locals_of(&self, proc: ProcId) -> &[VarId] {
        self.locals.get(proc as usize).map_or(&[], Vec::as_slice)
    }

    /// The chain of a type and its parents, root first (checks apply in that order).
    pub(crate) fn type_chain(&self, ty: TypeId) -> TypeChain<'_> {
        TypeChain {
            types: &self.module.types,
            ids: self.type_chains.get(ty as usize).map_or(&[], |ids| ids),
        }
    }
}

/// A type and its parents, root first ([`Program::type_chain`]).
#[derive(Clone, Copy)]
pub(crate) struct TypeChain<'p> {
    types: &'p [TypeDef],
    /// Indexes `build` checked against `types`.
    ids: &'p [TypeId],
}

impl<'p> TypeChain<'p> {
    /// The types, root first.
    pub(crate) fn iter(self) -> impl DoubleEndedIterator<Item = &'p TypeDef> {
        let types = self.types;
        self.ids
            .iter()
            .filter_map(move |&id| types.get(id as usize))
    }

    /// The root type (whose shape the chain shares).
    pub(crate) fn first(self) -> Option<&'p TypeDef> {
        self.iter().next()
    }

    /// The type itself.
    pub(crate) fn last(self) -> Option<&'p TypeDef> {
        self.iter().next_back()
    }
}

/// Each type's chain of parents, root first. Bounded by the table size, so a cyclic
/// hand-made table cannot loop.
fn type_chains(types: &[TypeDef]) -> Vec<Box<[TypeId]>> {
    (0..types.len())
        .map(|start| {
            let mut chain = Vec::new();
            let mut current = u32::try_from(start).ok();
            while let Some(id) = current {
                let Some(def) = types.get(id as usize) else {
                    break;
                };
                if chain.len() > types.len() {
                    break;
                }
                chain.push(id);
                current = def.parent;
            }
            chain.reverse();
            chain.into_boxed_slice()
        })
        .collect()
}

/// Checks every index the interpreter follows outside bytecode. Bytecode operands are
/// checked as they execute.
fn check_tables(module: &Module) -> Result<(), ProgramError> {
    let chunks = module.chunks.len();
    let bad = |what: String| Err(ProgramError::BadIndex(what));
    let chunk_ok = |id: ChunkId| (id as usize) < chunks;
    for (i, ty) in module.types.iter().enumerate() {
        if ty.parent.is_some_and(|p| p as usize >= module.types.len()) {
            return bad(format!("parent of type {i}"));
        }
        // Parsing follows shapes recursively: each refers only to earlier types.
        let shape_ok = match &ty.shape {
            Shape::Scalar => true,
            Shape::List(item) => (*item as usize) < i,
            Shape::Record(fields) => fields.iter().all(|f| (f.ty as usize) < i),
        };
        if !shape_ok {
            return bad(format!("shape of type {i}"));
        }
        if ty
            .check
            .is_some_and(|c| !chunk_ok(c.cond) || !chunk_ok(c.message))
        {
            return bad(format!("check of type {i}"));
        }
    }
    let type_ok = |id: TypeId| (id as usize) < module.types.len();
    for (i, field) in module.customer.iter().enumerate() {
        if !type_ok(field.ty) {
            return bad(format!("type of customer attribute {i}"));
        }
    }
    for (i, audience) in module.audiences.iter().enumerate() {
        if !chunk_ok(audience.cond) {
            return bad(format!("condition of audience {i}"));
        }
    }
    for (i, var) in module.vars.iter().enumerate() {
        let chunks_ok = [var.ask, var.when, var.default]
            .into_iter()
            .chain([var.choices, var.suggestions, var.invalid])
            .flatten()
            .chain(var.checks.iter().flat_map(|c| [c.cond, c.message]))
            .all(chunk_ok);
        if !type_ok(var.ty)
            || !chunks_ok
            || var
                .owner
                .is_some_and(|p| p as usize >= module.procedures.len())
            || var.deps.iter().any(|d| d.var as usize >= module.vars.len())
        {
            return bad(format!("variable {i} ({})", var.name));
        }
    }
    for (i, proc) in module.procedures.iter().enumerate() {
        if !chunk_ok(proc.label)
            || !chunk_ok(proc.body)
            || proc.when.is_some_and(|c| !chunk_ok(c))
            || proc
                .audiences
                .iter()
                .any(|&a| a as usize >= module.audiences.len())
            || proc.returns.iter().any(|f| !type_ok(f.ty))
        {
            return bad(format!("procedure {i} ({})", proc.name));
        }
    }
    let triggers = &module.triggers;
    let lists = [
        &triggers.always,
        &triggers.negative_feedback,
        &triggers.unanswered,
    ]
    .into_iter()
    .chain(triggers.by_source.iter())
    .chain(triggers.by_faq.iter());
    for list in lists {
        if list.iter().any(|&p| p as usize >= module.procedures.len()) {
            return bad("trigger list".to_owned());
        }
    }
    for component in &module.components {
        if component
            .input
            .iter()
            .chain(&component.output)
            .any(|f| !type_ok(f.ty))
        {
            return bad(format!("component {}", component.name));
        }
    }
    Ok(())
}
