//! The native tier (feature `jit`): guards compiled by Cranelift.
//!
//! When a `Program` (`vm::program`) is built with the tier on (the default with the
//! feature), every guard chunk — audience conditions, procedure and variable `when`s,
//! type and variable `check` conditions — whose instructions are in the supported
//! subset is compiled to a native function, all at once, into one code region owned by
//! the program. Guards are a few dozen instructions, so compiling them eagerly costs
//! tens of microseconds each, once per loaded bundle, and keeps the hot path free of
//! counters, locks and compile pauses in the middle of a conversation.
//!
//! A native guard returns one of five codes ([`Verdict`]): true, false, a run-time
//! error, a value that is not a bool, or "fall back": a value native code does not
//! model (a list or JSON from a variable, text concatenation, a date compared with a
//! text) — then the interpreter evaluates the guard, so the result is always exactly
//! the interpreter's. Chunks outside the subset are never compiled and stay
//! interpreted. See `docs/jit.md`.
//!
//! **Architecture invariant:** the native tier reads the bytecode (`codegen`), the value
//! layout (`vm::value`) and the limits, and nothing else of the interpreter: no
//! `Program`, `Session` or `Env`. The interpreter calls it through this module's
//! boundary: [`Jit::compile`] when a program is prepared, [`Jit::guard`] and [`run`]
//! with a guard's [`Inputs`] (borrowed from the session and the program). So the vm
//! depends on the native tier and never the other way (`tests/architecture.rs`).

mod helpers;
mod layout;
mod lower;
mod plan;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Module as _, default_libcall_names};

use regex::Regex;

use crate::codegen::isa::{ChunkId, StrId, VarId};
use crate::codegen::module::Module;
use crate::vm::value::Value;
use lower::{Lowerer, Texts};

/// A session's known variables, as the interpreter keeps them.
pub(crate) type Known = BTreeMap<VarId, Value>;

/// A program's compiled regexes, by the string id of their pattern.
pub(crate) type Regexes = HashMap<StrId, Regex>;

/// A compiled guard, called with its [`Inputs`] spelled out: the session's customer
/// attributes (pointer and count), the `value` of a check (or null), the variable under
/// check (or [`NO_CANDIDATE`]), and the known variables and the regexes for helpers.
/// Six register arguments on the hosts Cranelift supports here, so a call builds
/// nothing in memory.
pub(crate) type GuardFn = unsafe extern "C" fn(
    *const Value,
    usize,
    *const Value,
    u64,
    *const Known,
    *const Regexes,
) -> u32;

/// What a guard reads, borrowed from the session and the program for one call.
#[derive(Clone, Copy)]
pub(crate) struct Inputs<'a> {
    /// The session's customer attributes.
    pub customer: &'a [Value],
    /// The value under check, in a check.
    pub value: Option<&'a Value>,
    /// The variable under check: its `LoadVar` reads `value`.
    pub candidate: Option<VarId>,
    /// The session's known variables.
    pub known: &'a Known,
    /// The program's compiled regexes.
    pub regexes: &'a Regexes,
}

/// The `candidate` argument when no variable is under check.
pub(crate) const NO_CANDIDATE: u64 = u64::MAX;

/// The longest guard compiled to native code, in bytecode instructions. Real guards are
/// a few dozen; a longer one stays interpreted (where it costs what it costs to run,
/// not a compilation whose time and memory grow faster than its length).
pub(crate) const MAX_NATIVE_GUARD_LEN: usize = 512;

/// The most bytecode instructions of one bundle compiled to native code; the guards past
/// it stay interpreted. With [`MAX_NATIVE_GUARD_LEN`] this bounds the native tier's share
/// of loading a bundle by a count, not a clock, so a bundle loads the same way on every
/// machine and its loading stays linear in its size.
pub(crate) const NATIVE_BUDGET: usize = 16_384;

/// What a native guard found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The guard holds.
    True,
    /// The guard's value is `false`.
    False,
    /// A run-time error (overflow, a type mismatch, division by zero...).
    Error,
    /// The value is not a bool.
    NotBool,
    /// Native code cannot decide: run the interpreter.
    Fallback,
}

/// The guards of one program compiled to native code.
pub(crate) struct Jit {
    /// By chunk id: the native function, when the chunk was compiled.
    guards: Vec<Option<GuardFn>>,
    /// How many chunks were compiled.
    compiled: usize,
    /// Text constants the code points into.
    _texts: Texts,
    /// The executable memory; freed when the program is dropped.
    _code: CodeMemory,
}

impl std::fmt::Debug for Jit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Jit {{ compiled: {} }}", self.compiled)
    }
}

/// Owns the code region. `Mutex` only makes it `Sync`; it is never locked while the
/// program lives.
struct CodeMemory(Option<Mutex<JITModule>>);

impl Drop for CodeMemory {
    fn drop(&mut self) {
        if let Some(module) = self.0.take() {
            let module = module.into_inner().unwrap_or_else(|p| p.into_inner());
            // SAFETY: the code is dropped with its `Jit`, which is dropped with its
            // `Program`; no guard can be running or called afterwards, since calls
            // borrow the program.
            unsafe { module.free_memory() };
        }
    }
}

fn new_module() -> Option<JITModule> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    flags.set("is_pic", "false").ok()?;
    flags.set("use_colocated_libcalls", "false").ok()?;
    let isa = cranelift_native::builder()
        .ok()?
        .finish(settings::Flags::new(flags))
        .ok()?;
    Some(JITModule::new(JITBuilder::with_isa(
        isa,
        default_libcall_names(),
    )))
}

/// Every guard chunk of the module, sorted, without duplicates.
fn guard_chunks(module: &Module) -> Vec<ChunkId> {
    let mut chunks: Vec<ChunkId> = module
        .audiences
        .iter()
        .map(|a| a.cond)
        .chain(module.procedures.iter().filter_map(|p| p.when))
        .chain(module.vars.iter().filter_map(|v| v.when))
        .chain(
            module
                .vars
                .iter()
                .flat_map(|v| v.checks.iter().map(|c| c.cond)),
        )
        .chain(module.types.iter().filter_map(|t| t.check.map(|c| c.cond)))
        .collect();
    chunks.sort_unstable();
    chunks.dedup();
    chunks
}

impl Jit {
    /// Compiles every guard chunk of `module` that is in the supported subset. Never
    /// fails: what cannot be compiled (or a host Cranelift does not support) stays
    /// interpreted.
    pub(crate) fn compile(module: &Module) -> Jit {
        let Some(mut jit) = layout::verified().then(new_module).flatten() else {
            return Jit::interpreted();
        };
        let mut guards = vec![None; module.chunks.len()];
        let mut texts = Texts::default();
        let call_conv = jit.isa().default_call_conv();
        let target = jit.target_config();
        let helper_sig = |params: usize| {
            let mut sig = Signature::new(call_conv);
            sig.params
                .extend((0..params).map(|_| AbiParam::new(types::I64)));
            sig.returns.push(AbiParam::new(types::I64));
            sig
        };
        let mut guard_sig = Signature::new(call_conv);
        guard_sig
            .params
            .extend([AbiParam::new(types::I64); lower::GUARD_PARAMS]);
        guard_sig.returns.push(AbiParam::new(types::I32));

        let mut ctx = jit.make_context();
        let mut builder_ctx = FunctionBuilderContext::new();
        let mut defined = Vec::new();
        let mut budget = NATIVE_BUDGET;
        for chunk in guard_chunks(module) {
            let Some(code) = module.chunks.get(chunk as usize) else {
                continue;
            };
            if code.code.len() > MAX_NATIVE_GUARD_LEN.min(budget) {
                continue;
            }
            budget -= code.code.len();
            ctx.func.signature = guard_sig.clone();
            let builder = cranelift_frontend::FunctionBuilder::new(&mut ctx.func, &mut builder_ctx);
            let lowered =
                Lowerer::new(builder, module, &mut texts, helper_sig, target).lower(&code.code);
            let id = match lowered {
                Ok(()) => jit
                    .declare_anonymous_function(&guard_sig)
                    .ok()
                    .filter(|&id| jit.define_function(id, &mut ctx).is_ok()),
                Err(_) => {
                    // An abandoned builder leaves its context half-used.
                    builder_ctx = FunctionBuilderContext::new();
                    None
                }
            };
            jit.clear_context(&mut ctx);
            if let Some(id) = id {
                defined.push((chunk, id));
            }
        }
        if jit.finalize_definitions().is_err() {
            defined.clear();
        }
        for &(chunk, id) in &defined {
            let address = jit.get_finalized_function(id);
            if let Some(slot) = guards.get_mut(chunk as usize) {
                // SAFETY: the function was compiled with `guard_sig`, the C convention
                // of `GuardFn`: six 64-bit arguments and a `u32`.
                *slot = Some(unsafe { std::mem::transmute::<*const u8, GuardFn>(address) });
            }
        }
        Jit {
            compiled: defined.len(),
            guards,
            _texts: texts,
            _code: CodeMemory(Some(Mutex::new(jit))),
        }
    }

    /// No native guards: everything runs in the interpreter.
    pub(crate) fn interpreted() -> Jit {
        Jit {
            guards: Vec::new(),
            compiled: 0,
            _texts: Texts::default(),
            _code: CodeMemory(None),
        }
    }

    /// The native function of a chunk, if it was compiled.
    #[inline]
    pub(crate) fn guard(&self, chunk: ChunkId) -> Option<GuardFn> {
        self.guards.get(chunk as usize).copied().flatten()
    }

    /// How many guard chunks run natively.
    pub(crate) fn compiled(&self) -> usize {
        self.compiled
    }
}

/// Runs a native guard on `inputs`. `guard` must come from the [`Jit`] of the program
/// whose regexes `inputs` carries.
#[inline]
pub(crate) fn run(guard: GuardFn, inputs: Inputs<'_>) -> Verdict {
    let value = inputs.value.map_or(std::ptr::null(), |v| v as *const Value);
    let candidate = inputs.candidate.map_or(NO_CANDIDATE, u64::from);
    // SAFETY: the function was compiled from a chunk of this program's module. It
    // reads only through its arguments, which are valid for this call, checks the
    // count of customer attributes against every index it reads, and calls only the
    // helpers of `helpers.rs`, which cannot panic.
    let code = unsafe {
        guard(
            inputs.customer.as_ptr(),
            inputs.customer.len(),
            value,
            candidate,
            inputs.known,
            inputs.regexes,
        )
    };
    match code {
        lower::TRUE => Verdict::True,
        lower::FALSE => Verdict::False,
        lower::ERROR => Verdict::Error,
        lower::NOT_BOOL => Verdict::NotBool,
        _ => Verdict::Fallback,
    }
}
