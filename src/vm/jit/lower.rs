//! Translation of one guard chunk into Cranelift IR.
//!
//! The operand stack is simulated at compile time: each slot is a tag (known at
//! compile time, or a run-time value) and two 64-bit words (the scalar payload, and
//! the address of the `Value` for texts), or a list literal known element by element.
//! Operators dispatch only on the tags that can occur (see `plan.rs`). Forward jumps
//! become Cranelift blocks whose parameters carry the stack, three words a slot.
//!
//! Anything the simulation cannot model exactly (an instruction outside the subset,
//! an inconsistent stack, a list reaching a merge point) refuses the chunk, which then
//! stays interpreted. At run time a value native code does not model (a list or JSON
//! from a variable, text concatenation) returns [`FALLBACK`] and the interpreter
//! evaluates the guard instead.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    self, Block, BlockArg, InstBuilder, MemFlagsData, SigRef, Signature, types,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::FunctionBuilder;

use crate::codegen::isa::{BinaryOp, Builtin, Const, Instr};
use crate::codegen::module::Module;
use crate::limits::MAX_STACK;
use crate::vm::value::{MAX_NESTING, Value};

use super::helpers;
use super::layout::{ABSENT, BOOL, DATE, INT, LAST_SCALAR, NUMBER, PAYLOAD, SCALARS, TEXT};
use super::plan::{self, Arith, Plan, Plan1};

/// Return code: the guard is false.
pub(crate) const FALSE: u32 = 0;
/// Return code: the guard is true.
pub(crate) const TRUE: u32 = 1;
/// Return code: the expression failed (a run-time error).
pub(crate) const ERROR: u32 = 2;
/// Return code: the expression's value is not a bool.
pub(crate) const NOT_BOOL: u32 = 3;
/// Return code: native code cannot decide; run the interpreter.
pub(crate) const FALLBACK: u32 = 4;

const I64: ir::Type = types::I64;

/// How many arguments a native guard takes (see [`super::GuardFn`]).
pub(super) const GUARD_PARAMS: usize = 6;

/// The arguments of the function being built.
#[derive(Clone, Copy)]
struct Params {
    /// Address of the first customer attribute.
    customer: ir::Value,
    /// How many customer attributes there are.
    customer_len: ir::Value,
    /// Address of a check's `value`, or 0.
    value: ir::Value,
    /// The variable under check, or [`super::NO_CANDIDATE`].
    candidate: ir::Value,
    /// The session's known variables, passed on to helpers.
    known: ir::Value,
    /// The program's compiled regexes, passed on to helpers.
    regexes: ir::Value,
}

/// The chunk is not compiled.
#[derive(Debug)]
pub(super) struct Refuse;

type Lowered<T> = Result<T, Refuse>;

/// A tag known at compile time or computed at run time (an `i64`).
#[derive(Clone, Copy)]
enum Tag {
    /// Known at compile time.
    Known(u8),
    /// A run-time tag known to be a scalar's (at most `LAST_SCALAR`).
    Dyn(ir::Value),
    /// A run-time tag just loaded: it may still be a list's or JSON's, which hand the
    /// guard to the interpreter. The test is left to the first consumer, so that a
    /// dispatch can test its likely tags first and range-check only on its default
    /// path (see [`Lowerer::checked`]).
    Unchecked(ir::Value),
}

/// One scalar on the simulated stack.
#[derive(Clone, Copy)]
struct Scalar {
    tag: Tag,
    /// The payload: int, float bits, bool in the low byte, date in the low 32 bits.
    a: ir::Value,
    /// For texts: the address of the `Value::Text`.
    b: ir::Value,
    /// A text constant's string id, when known at compile time.
    text: Option<u32>,
}

/// One slot of the simulated stack.
#[derive(Clone)]
enum Slot {
    Scalar(Scalar),
    /// A list literal, with its nesting depth.
    List(Vec<Slot>, usize),
}

/// A jump target: its block, and what every incoming edge agreed on.
struct Merge {
    block: Block,
    depth: usize,
    tags: Vec<Option<u8>>,
}

/// What one case of a dispatch produced.
enum Leaf {
    Value(u8, ir::Value, ir::Value),
    Error,
    Fallback,
}

/// The helper signatures, imported into the function.
struct Sigs {
    one: SigRef,
    two: SigRef,
    three: SigRef,
    four: SigRef,
}

/// Text constants: one boxed `Value::Text` per string used, at a stable address.
#[derive(Debug, Default)]
pub(super) struct Texts(HashMap<u32, Box<Value>>);

impl Texts {
    fn address(&mut self, module: &Module, id: u32) -> Option<i64> {
        let text = module.strings.get(id as usize)?;
        let boxed = self
            .0
            .entry(id)
            .or_insert_with(|| Box::new(Value::Text(text.clone())));
        Some(&**boxed as *const Value as i64)
    }
}

/// Translates guard chunks into one function each.
pub(super) struct Lowerer<'a, 'f> {
    b: FunctionBuilder<'f>,
    module: &'a Module,
    texts: &'a mut Texts,
    params: Params,
    /// `0` and every scalar tag as an `i64`, defined once in the entry block. Every
    /// edge passes these same values, so a block parameter that only ever receives
    /// one of them is removed by Cranelift's constant-phi pass.
    zero: ir::Value,
    tags: [ir::Value; SCALARS.len()],
    error: Block,
    fallback: Block,
    sigs: Sigs,
    merges: HashMap<usize, Merge>,
    /// Whether the current block can be reached.
    live: bool,
    target: TargetFrontendConfig,
    /// Where a `String` keeps its pointer and length, when known.
    string_layout: Option<(i32, i32)>,
}

impl<'a, 'f> Lowerer<'a, 'f> {
    /// Starts a function of [`GUARD_PARAMS`] arguments in `b`; `helper_sig(n)` is the
    /// signature of an `n`-argument helper.
    pub(super) fn new(
        mut b: FunctionBuilder<'f>,
        module: &'a Module,
        texts: &'a mut Texts,
        helper_sig: impl Fn(usize) -> Signature,
        target: TargetFrontendConfig,
    ) -> Lowerer<'a, 'f> {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let &[customer, customer_len, value, candidate, known, regexes] = b.block_params(entry)
        else {
            unreachable!("the guard signature has {GUARD_PARAMS} parameters")
        };
        let params = Params {
            customer,
            customer_len,
            value,
            candidate,
            known,
            regexes,
        };
        let sigs = Sigs {
            one: b.import_signature(helper_sig(1)),
            two: b.import_signature(helper_sig(2)),
            three: b.import_signature(helper_sig(3)),
            four: b.import_signature(helper_sig(4)),
        };
        let zero = b.ins().iconst(I64, 0);
        let tags = SCALARS.map(|t| b.ins().iconst(I64, i64::from(t)));
        let error = b.create_block();
        let fallback = b.create_block();
        Lowerer {
            b,
            module,
            texts,
            params,
            zero,
            tags,
            error,
            fallback,
            sigs,
            merges: HashMap::new(),
            live: true,
            target,
            string_layout: super::layout::string_layout(),
        }
    }

    /// Translates the chunk and finishes the function.
    pub(super) fn lower(mut self, code: &[Instr]) -> Lowered<()> {
        self.check_customer_count(code);
        let mut stack: Vec<Slot> = Vec::new();
        for (pc, &instr) in code.iter().enumerate() {
            if self.merges.contains_key(&pc) {
                if self.live {
                    let (block, args) = self.edge(pc, &stack)?;
                    self.b.ins().jump(block, &args);
                }
                stack = self.enter(pc)?;
            } else if !self.live {
                continue;
            }
            self.instr(code.len(), pc, instr, &mut stack)?;
        }
        if self.live {
            // Falls off the end: the interpreter reports that; leave it to it.
            return Err(Refuse);
        }
        for (block, code) in [(self.error, ERROR), (self.fallback, FALLBACK)] {
            self.b.switch_to_block(block);
            let code = self.b.ins().iconst(types::I32, i64::from(code));
            self.b.ins().return_(&[code]);
        }
        self.b.seal_all_blocks();
        self.b.finalize(self.target);
        Ok(())
    }

    /// Checks once, on entry, that the session has every customer attribute the chunk
    /// reads; the loads then need no check of their own. A session with fewer (not
    /// one built from the bundle's schema) falls back to the interpreter, which
    /// reports a missing attribute only on the paths that read it.
    fn check_customer_count(&mut self, code: &[Instr]) {
        let highest = code
            .iter()
            .filter_map(|instr| match instr {
                Instr::LoadCustomer(i) => Some(*i),
                _ => None,
            })
            .max();
        if let Some(highest) = highest {
            let short = self.b.ins().icmp_imm_s(
                IntCC::UnsignedLessThanOrEqual,
                self.params.customer_len,
                i64::from(highest),
            );
            self.exit_if(short, self.fallback);
        }
    }

    // ---- the stack -------------------------------------------------------------

    fn push(&mut self, stack: &mut Vec<Slot>, slot: Slot) -> Lowered<()> {
        if stack.len() >= MAX_STACK {
            return Err(Refuse);
        }
        stack.push(slot);
        Ok(())
    }

    fn pop(stack: &mut Vec<Slot>) -> Lowered<Slot> {
        stack.pop().ok_or(Refuse)
    }

    fn pop_scalar(stack: &mut Vec<Slot>) -> Lowered<Scalar> {
        match Self::pop(stack)? {
            Slot::Scalar(s) => Ok(s),
            Slot::List(..) => Err(Refuse),
        }
    }

    fn zero(&self) -> ir::Value {
        self.zero
    }

    /// A scalar tag as an `i64` (the shared value of the entry block).
    fn tag_value(&mut self, tag: u8) -> ir::Value {
        match self.tags.get(usize::from(tag)) {
            Some(&value) => value,
            None => self.b.ins().iconst(I64, i64::from(tag)),
        }
    }

    fn known(&mut self, tag: u8, a: i64) -> Slot {
        let a = self.b.ins().iconst(I64, a);
        let b = self.zero();
        Slot::Scalar(Scalar {
            tag: Tag::Known(tag),
            a,
            b,
            text: None,
        })
    }

    /// Ends the current block in the shared error exit.
    fn fail(&mut self) {
        self.b.ins().jump(self.error, &[]);
        self.live = false;
    }

    /// Continues in a fresh block reached when `cond` is zero; otherwise goes to `exit`.
    fn exit_if(&mut self, cond: ir::Value, exit: Block) {
        let next = self.b.create_block();
        self.b.ins().brif(cond, exit, &[], next, &[]);
        self.b.switch_to_block(next);
    }

    // ---- merges ----------------------------------------------------------------

    /// The block and arguments of an edge to `target` carrying `stack`.
    fn edge(&mut self, target: usize, stack: &[Slot]) -> Lowered<(Block, Vec<BlockArg>)> {
        let mut tags = Vec::with_capacity(stack.len());
        let mut args = Vec::with_capacity(stack.len() * 3);
        for slot in stack {
            let Slot::Scalar(s) = slot else {
                return Err(Refuse);
            };
            let (known, tag) = match self.checked(s.tag) {
                Tag::Known(t) => (Some(t), self.tag_value(t)),
                Tag::Dyn(v) | Tag::Unchecked(v) => (None, v),
            };
            tags.push(known);
            args.extend([
                BlockArg::Value(tag),
                BlockArg::Value(s.a),
                BlockArg::Value(s.b),
            ]);
        }
        let merge = match self.merges.get_mut(&target) {
            Some(merge) => {
                if merge.depth != stack.len() {
                    return Err(Refuse);
                }
                for (have, new) in merge.tags.iter_mut().zip(&tags) {
                    if *have != *new {
                        *have = None;
                    }
                }
                merge.block
            }
            None => {
                let block = self.b.create_block();
                for _ in 0..stack.len() * 3 {
                    self.b.append_block_param(block, I64);
                }
                self.merges.insert(
                    target,
                    Merge {
                        block,
                        depth: stack.len(),
                        tags,
                    },
                );
                block
            }
        };
        Ok((merge, args))
    }

    /// The edge of a jump from `pc` to `target`, refusing backward or outside jumps.
    fn jump_edge(
        &mut self,
        len: usize,
        pc: usize,
        target: u32,
        stack: &[Slot],
    ) -> Lowered<(Block, Vec<BlockArg>)> {
        let target = target as usize;
        if target <= pc || target >= len {
            return Err(Refuse);
        }
        self.edge(target, stack)
    }

    /// Switches to the merge block of `pc`, returning its stack.
    fn enter(&mut self, pc: usize) -> Lowered<Vec<Slot>> {
        let merge = self.merges.get(&pc).ok_or(Refuse)?;
        let (block, tags) = (merge.block, merge.tags.clone());
        self.b.switch_to_block(block);
        self.live = true;
        let params = self.b.block_params(block).to_vec();
        Ok(tags
            .iter()
            .zip(params.chunks_exact(3))
            .map(|(known, p)| {
                Slot::Scalar(Scalar {
                    tag: known.map_or(Tag::Dyn(p[0]), Tag::Known),
                    a: p[1],
                    b: p[2],
                    text: None,
                })
            })
            .collect())
    }

    // ---- payloads --------------------------------------------------------------

    fn float(&mut self, s: Scalar, tag: u8) -> ir::Value {
        if tag == INT {
            self.b.ins().fcvt_from_sint(types::F64, s.a)
        } else {
            self.b.ins().bitcast(types::F64, MemFlagsData::new(), s.a)
        }
    }

    /// A bool's flag as an `i8`. Its payload's low byte is exactly 0 or 1: a Rust
    /// `bool` in a loaded `Value::Bool`, a comparison's result in computed ones.
    fn flag(&mut self, s: Scalar) -> ir::Value {
        self.b.ins().ireduce(types::I8, s.a)
    }

    fn date(&mut self, s: Scalar) -> ir::Value {
        let low = self.b.ins().ireduce(types::I32, s.a);
        self.b.ins().sextend(I64, low)
    }

    /// Reads the value at `ptr`; its tag is [`Tag::Unchecked`] until first used.
    fn load_value(&mut self, ptr: ir::Value) -> Slot {
        let flags = MemFlagsData::trusted();
        let tag = self.b.ins().uload8(I64, flags, ptr, 0);
        // Any `Value` has a word at the payload offset, whatever its variant.
        let a = self.b.ins().load(I64, flags, ptr, PAYLOAD);
        Slot::Scalar(Scalar {
            tag: Tag::Unchecked(tag),
            a,
            b: ptr,
            text: None,
        })
    }

    /// `tag`, range-checked if it was not yet: a list or JSON leaves for the fallback
    /// exit.
    fn checked(&mut self, tag: Tag) -> Tag {
        match tag {
            Tag::Unchecked(value) => {
                self.exit_if_not_scalar(value);
                Tag::Dyn(value)
            }
            known_or_checked => known_or_checked,
        }
    }

    /// Leaves for the fallback exit unless the run-time `tag` is a scalar's.
    fn exit_if_not_scalar(&mut self, tag: ir::Value) {
        let other =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedGreaterThan, tag, i64::from(LAST_SCALAR));
        self.exit_if(other, self.fallback);
    }

    fn call(&mut self, sig: SigRef, f: *const (), args: &[ir::Value]) -> ir::Value {
        let callee = self.b.ins().iconst(I64, f as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call)[0]
    }

    fn bool_leaf(&mut self, cond: ir::Value) -> Leaf {
        let a = self.b.ins().uextend(I64, cond);
        let b = self.zero();
        Leaf::Value(BOOL, a, b)
    }

    // ---- dispatch --------------------------------------------------------------

    /// Branches on the tag of `s` over the tags `cases` maps differently from the
    /// most common outcome, calling `leaf` in a block where the tag is known. The
    /// results meet in one block; `None` when no case produces a value.
    fn dispatch<K: PartialEq + Clone>(
        &mut self,
        tag: Tag,
        cases: impl Fn(u8) -> K,
        mut leaf: impl FnMut(&mut Self, u8, &mut Vec<(Block, u8)>) -> Lowered<()>,
        join_uses: &mut Vec<(Block, u8)>,
    ) -> Lowered<()> {
        let (value, unchecked) = match tag {
            Tag::Known(t) => return leaf(self, t, join_uses),
            Tag::Dyn(value) => (value, false),
            Tag::Unchecked(value) => (value, true),
        };
        // Group tags by outcome; the largest group is the default (no test).
        let outcomes: Vec<K> = SCALARS.iter().map(|&t| cases(t)).collect();
        let count = |k: &K| outcomes.iter().filter(|o| *o == k).count();
        let default_index = (0..SCALARS.len())
            .max_by_key(|&i| (count(&outcomes[i]), usize::MAX - i))
            .unwrap_or(0);
        let default = outcomes[default_index].clone();
        for (i, &t) in SCALARS.iter().enumerate() {
            if outcomes[i] == default {
                continue;
            }
            let is = self.b.ins().icmp_imm_s(IntCC::Equal, value, i64::from(t));
            let case = self.b.create_block();
            let next = self.b.create_block();
            self.b.ins().brif(is, case, &[], next, &[]);
            self.b.switch_to_block(case);
            leaf(self, t, join_uses)?;
            self.b.switch_to_block(next);
        }
        if unchecked {
            // Only here: the cases above matched scalar tags exactly.
            self.exit_if_not_scalar(value);
        }
        leaf(self, SCALARS[default_index], join_uses)
    }

    /// Emits a leaf's result: a jump to the join block, or an exit.
    fn finish_leaf(&mut self, leaf: Leaf, join: Block, uses: &mut Vec<(Block, u8)>) {
        match leaf {
            Leaf::Value(tag, a, b) => {
                let t = self.tag_value(tag);
                self.b.ins().jump(
                    join,
                    &[BlockArg::Value(t), BlockArg::Value(a), BlockArg::Value(b)],
                );
                uses.push((join, tag));
            }
            Leaf::Error => {
                self.b.ins().jump(self.error, &[]);
            }
            Leaf::Fallback => {
                self.b.ins().jump(self.fallback, &[]);
            }
        }
    }

    /// A fresh join block of one scalar.
    fn join_block(&mut self) -> Block {
        let join = self.b.create_block();
        for _ in 0..3 {
            self.b.append_block_param(join, I64);
        }
        join
    }

    /// Continues at `join` when some case reached it; the result's tag is known when
    /// every case agreed on it.
    fn after_join(&mut self, join: Block, uses: &[(Block, u8)]) -> Option<Scalar> {
        if uses.is_empty() {
            self.live = false;
            return None;
        }
        self.b.switch_to_block(join);
        let p = self.b.block_params(join).to_vec();
        let first = uses[0].1;
        let tag = if uses.iter().all(|&(_, t)| t == first) {
            Tag::Known(first)
        } else {
            Tag::Dyn(p[0])
        };
        Some(Scalar {
            tag,
            a: p[1],
            b: p[2],
            text: None,
        })
    }

    /// Applies a two-operand plan table to `l` and `r`.
    fn binary(&mut self, l: Scalar, r: Scalar, table: impl Fn(u8, u8) -> Plan) -> Option<Scalar> {
        let join = self.join_block();
        let mut uses = Vec::new();
        let r_tag = r.tag;
        let r_cases = |tl: u8| match r_tag {
            Tag::Known(tr) => vec![table(tl, tr)],
            Tag::Dyn(_) | Tag::Unchecked(_) => {
                SCALARS.iter().map(|&tr| table(tl, tr)).collect::<Vec<_>>()
            }
        };
        let result = self.dispatch(
            l.tag,
            r_cases,
            |this, tl, uses| {
                this.dispatch(
                    r_tag,
                    |tr| table(tl, tr),
                    |this, tr, uses| {
                        let leaf = this.emit_plan(table(tl, tr), l, r, tl, tr);
                        this.finish_leaf(leaf, join, uses);
                        Ok(())
                    },
                    uses,
                )
            },
            &mut uses,
        );
        if result.is_err() {
            return None;
        }
        self.after_join(join, &uses)
    }

    /// Applies a one-operand plan table to `s`.
    fn unary(&mut self, s: Scalar, table: impl Fn(u8) -> Plan1) -> Option<Scalar> {
        let join = self.join_block();
        let mut uses = Vec::new();
        let result = self.dispatch(
            s.tag,
            &table,
            |this, t, uses| {
                let leaf = this.emit_plan1(table(t), s);
                this.finish_leaf(leaf, join, uses);
                Ok(())
            },
            &mut uses,
        );
        if result.is_err() {
            return None;
        }
        self.after_join(join, &uses)
    }

    fn emit_plan1(&mut self, plan: Plan1, s: Scalar) -> Leaf {
        match plan {
            Plan1::Error => Leaf::Error,
            Plan1::Bool(flag) => {
                let c = self.b.ins().iconst(types::I8, i64::from(flag));
                self.bool_leaf(c)
            }
            Plan1::Not => {
                let flag = self.flag(s);
                let not = self.b.ins().bxor_imm_u(flag, 1);
                self.bool_leaf(not)
            }
            Plan1::IntNeg => {
                let min = self.b.ins().icmp_imm_s(IntCC::Equal, s.a, i64::MIN);
                self.exit_if(min, self.error);
                let neg = self.b.ins().ineg(s.a);
                let b = self.zero();
                Leaf::Value(INT, neg, b)
            }
            Plan1::FloatNeg => {
                let x = self.float(s, NUMBER);
                let neg = self.b.ins().fneg(x);
                let bits = self.b.ins().bitcast(I64, MemFlagsData::new(), neg);
                let b = self.zero();
                Leaf::Value(NUMBER, bits, b)
            }
            Plan1::TextLen => {
                let n = self.call(self.sigs.one, helpers::text_len as *const (), &[s.b]);
                let b = self.zero();
                Leaf::Value(INT, n, b)
            }
            Plan1::Matches(id) => {
                let id = self.b.ins().iconst(I64, i64::from(id));
                let r = self.call(
                    self.sigs.three,
                    helpers::matches as *const (),
                    &[self.params.regexes, id, s.b],
                );
                let failed = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, r, helpers::HELPER_ERROR);
                self.exit_if(failed, self.error);
                let b = self.zero();
                Leaf::Value(BOOL, r, b)
            }
        }
    }

    /// A float result must be finite.
    fn finite_leaf(&mut self, x: ir::Value) -> Leaf {
        let abs = self.b.ins().fabs(x);
        let inf = self.b.ins().f64const(f64::INFINITY);
        let finite = self.b.ins().fcmp(FloatCC::LessThan, abs, inf);
        let not_finite = self.b.ins().bxor_imm_u(finite, 1);
        self.exit_if(not_finite, self.error);
        let bits = self.b.ins().bitcast(I64, MemFlagsData::new(), x);
        let b = self.zero();
        Leaf::Value(NUMBER, bits, b)
    }

    fn text_helper(&mut self, f: *const (), l: Scalar, r: Scalar) -> ir::Value {
        self.call(self.sigs.two, f, &[l.b, r.b])
    }

    fn emit_plan(&mut self, plan: Plan, l: Scalar, r: Scalar, tl: u8, tr: u8) -> Leaf {
        match plan {
            Plan::Error => Leaf::Error,
            Plan::Fallback => Leaf::Fallback,
            Plan::Bool(flag) => {
                let c = self.b.ins().iconst(types::I8, i64::from(flag));
                self.bool_leaf(c)
            }
            Plan::IntCmp(cc) => {
                let c = self.b.ins().icmp(cc, l.a, r.a);
                self.bool_leaf(c)
            }
            Plan::DateCmp(cc) => {
                let (x, y) = (self.date(l), self.date(r));
                let c = self.b.ins().icmp(cc, x, y);
                self.bool_leaf(c)
            }
            Plan::FloatEq(negate) => {
                let (x, y) = (self.float(l, tl), self.float(r, tr));
                let cc = if negate {
                    FloatCC::NotEqual
                } else {
                    FloatCC::Equal
                };
                let c = self.b.ins().fcmp(cc, x, y);
                self.bool_leaf(c)
            }
            Plan::FloatCmp(cc) => {
                let (x, y) = (self.float(l, tl), self.float(r, tr));
                let nan = self.b.ins().fcmp(FloatCC::Unordered, x, y);
                self.exit_if(nan, self.error);
                let fcc = match cc {
                    IntCC::SignedLessThan => FloatCC::LessThan,
                    IntCC::SignedLessThanOrEqual => FloatCC::LessThanOrEqual,
                    IntCC::SignedGreaterThan => FloatCC::GreaterThan,
                    _ => FloatCC::GreaterThanOrEqual,
                };
                let c = self.b.ins().fcmp(fcc, x, y);
                self.bool_leaf(c)
            }
            Plan::TextEq(negate) => {
                let eq = match self.inline_text_eq(l, r) {
                    Some(eq) => eq,
                    None => self.text_helper(helpers::text_eq as *const (), l, r),
                };
                let eq = if negate {
                    self.b.ins().bxor_imm_u(eq, 1)
                } else {
                    eq
                };
                let b = self.zero();
                Leaf::Value(BOOL, eq, b)
            }
            Plan::TextCmp(cc) => {
                let ord = self.text_helper(helpers::text_cmp as *const (), l, r);
                let c = self.b.ins().icmp_imm_s(cc, ord, 0);
                self.bool_leaf(c)
            }
            Plan::NotFinite(negate) => {
                let (s, tag) = if tl == NUMBER { (l, tl) } else { (r, tr) };
                let x = self.float(s, tag);
                let abs = self.b.ins().fabs(x);
                let inf = self.b.ins().f64const(f64::INFINITY);
                // `abs < inf` is finite; its negation covers NaN too.
                let cc = if negate {
                    FloatCC::LessThan
                } else {
                    FloatCC::UnorderedOrGreaterThanOrEqual
                };
                let c = self.b.ins().fcmp(cc, abs, inf);
                self.bool_leaf(c)
            }
            Plan::BoolEq(negate) => {
                let (x, y) = (self.flag(l), self.flag(r));
                let cc = if negate {
                    IntCC::NotEqual
                } else {
                    IntCC::Equal
                };
                let c = self.b.ins().icmp(cc, x, y);
                self.bool_leaf(c)
            }
            Plan::IntArith(op) => {
                let (result, overflow) = match op {
                    Arith::Add => self.b.ins().sadd_overflow(l.a, r.a),
                    Arith::Sub => self.b.ins().ssub_overflow(l.a, r.a),
                    Arith::Mul => self.b.ins().smul_overflow(l.a, r.a),
                };
                self.exit_if(overflow, self.error);
                let b = self.zero();
                Leaf::Value(INT, result, b)
            }
            Plan::FloatArith(op) => {
                let (x, y) = (self.float(l, tl), self.float(r, tr));
                let z = match op {
                    Arith::Add => self.b.ins().fadd(x, y),
                    Arith::Sub => self.b.ins().fsub(x, y),
                    Arith::Mul => self.b.ins().fmul(x, y),
                };
                self.finite_leaf(z)
            }
            Plan::FloatDiv => {
                let (x, y) = (self.float(l, tl), self.float(r, tr));
                let zero = self.b.ins().f64const(0.0);
                let by_zero = self.b.ins().fcmp(FloatCC::Equal, y, zero);
                self.exit_if(by_zero, self.error);
                let z = self.b.ins().fdiv(x, y);
                self.finite_leaf(z)
            }
            Plan::TextIn => {
                // `l in r`: the haystack is the right operand.
                let c = self.call(
                    self.sigs.two,
                    helpers::text_contains as *const (),
                    &[r.b, l.b],
                );
                let b = self.zero();
                Leaf::Value(BOOL, c, b)
            }
            Plan::TextStarts => {
                let c = self.text_helper(helpers::text_starts as *const (), l, r);
                let b = self.zero();
                Leaf::Value(BOOL, c, b)
            }
            Plan::TextEnds => {
                let c = self.text_helper(helpers::text_ends as *const (), l, r);
                let b = self.zero();
                Leaf::Value(BOOL, c, b)
            }
        }
    }

    /// The bytes of a text constant short enough to compare inline, when the `String`
    /// layout is known.
    fn inline_text(&self, id: u32) -> Option<&'a [u8]> {
        const MAX_INLINE: usize = 32;
        self.string_layout?;
        let module: &'a Module = self.module;
        let bytes = module.strings.get(id as usize)?.as_bytes();
        (bytes.len() <= MAX_INLINE).then_some(bytes)
    }

    /// The length of the text whose `Value` is at `text`.
    fn text_len(&mut self, text: ir::Value) -> Option<ir::Value> {
        let (_, len_at) = self.string_layout?;
        let flags = MemFlagsData::trusted();
        Some(self.b.ins().load(I64, flags, text, PAYLOAD + len_at))
    }

    /// The bytes of the text at `text`, known to be `len` long, as words of 8, 4, 2
    /// and 1 bytes (each widened to an `i64`), in order.
    fn text_words(&mut self, text: ir::Value, len: usize) -> Option<Vec<ir::Value>> {
        let (ptr_at, _) = self.string_layout?;
        let data = self
            .b
            .ins()
            .load(I64, MemFlagsData::trusted(), text, PAYLOAD + ptr_at);
        let mut words = Vec::new();
        let mut at = 0;
        while at < len {
            // In bounds: the text is known to have `len` bytes.
            let (flags, offset) = (MemFlagsData::new(), at as i32);
            let ins = self.b.ins();
            let width = word_width(at, len);
            let loaded = match width {
                8 => ins.load(I64, flags, data, offset),
                4 => ins.uload32(flags, data, offset),
                2 => ins.uload16(I64, flags, data, offset),
                _ => ins.uload8(I64, flags, data, offset),
            };
            words.push(loaded);
            at += width;
        }
        Some(words)
    }

    /// 1 when `words` (from [`Self::text_words`]) hold exactly `bytes`, else 0: one
    /// comparison for a text of one word, else the words' differences or-ed together.
    fn words_equal(&mut self, words: &[ir::Value], bytes: &[u8]) -> ir::Value {
        let mut expected = Vec::with_capacity(words.len());
        let mut at = 0;
        while at < bytes.len() {
            let width = word_width(at, bytes.len());
            let mut word = [0u8; 8];
            word[..width].copy_from_slice(&bytes[at..at + width]);
            expected.push(i64::from_le_bytes(word));
            at += width;
        }
        let equal = match (words, expected.as_slice()) {
            ([], _) | (_, []) => return self.b.ins().iconst(I64, 1),
            ([word], [value]) => self.b.ins().icmp_imm_s(IntCC::Equal, *word, *value),
            _ => {
                let mut diff = self.zero();
                for (&word, &value) in words.iter().zip(&expected) {
                    let x = self.b.ins().bxor_imm_s(word, value);
                    diff = self.b.ins().bor(diff, x);
                }
                self.b.ins().icmp_imm_s(IntCC::Equal, diff, 0)
            }
        };
        self.b.ins().uextend(I64, equal)
    }

    /// Whether the text at `text` is one of `constants` (short texts of any lengths),
    /// inline: the length is loaded once and switched on, and the text's words are
    /// loaded once per length and compared with every constant of that length. Gives
    /// 0 or 1 as an `i64`; `None` when the `String` layout is unknown.
    fn inline_text_in(&mut self, text: ir::Value, constants: &[&[u8]]) -> Option<ir::Value> {
        let mut by_len: Vec<(usize, Vec<&[u8]>)> = Vec::new();
        for &bytes in constants {
            match by_len.iter_mut().find(|(len, _)| *len == bytes.len()) {
                Some((_, group)) if group.contains(&bytes) => {}
                Some((_, group)) => group.push(bytes),
                None => by_len.push((bytes.len(), vec![bytes])),
            }
        }
        let len = self.text_len(text)?;
        let join = self.b.create_block();
        self.b.append_block_param(join, I64);
        for (group_len, group) in by_len {
            let same_len = self.b.ins().icmp_imm_s(IntCC::Equal, len, group_len as i64);
            let compare = self.b.create_block();
            let next = self.b.create_block();
            self.b.ins().brif(same_len, compare, &[], next, &[]);
            self.b.switch_to_block(compare);
            let words = self.text_words(text, group_len)?;
            let mut any = self.b.ins().iconst(I64, 0);
            for bytes in group {
                let equal = self.words_equal(&words, bytes);
                any = self.b.ins().bor(any, equal);
            }
            self.b.ins().jump(join, &[BlockArg::Value(any)]);
            self.b.switch_to_block(next);
        }
        let none = self.zero();
        self.b.ins().jump(join, &[BlockArg::Value(none)]);
        self.b.switch_to_block(join);
        Some(self.b.block_params(join)[0])
    }

    /// Equality of a text with a short text constant, inline (see
    /// [`Self::inline_text_in`]). `None` when neither side is such a constant or the
    /// `String` layout is unknown. Gives 0 or 1 as an `i64`.
    fn inline_text_eq(&mut self, l: Scalar, r: Scalar) -> Option<ir::Value> {
        let (other, id) = match (l.text, r.text) {
            (_, Some(id)) => (l, id),
            (Some(id), None) => (r, id),
            (None, None) => return None,
        };
        let bytes = self.inline_text(id)?;
        self.inline_text_in(other.b, &[bytes])
    }

    /// `needle in [items]`: any item equal to the needle. The needle's tag is tested
    /// once, not once per item: each comparison is then emitted with it known.
    fn in_list(&mut self, needle: Scalar, items: &[Slot]) -> Lowered<Option<Scalar>> {
        let items = items
            .iter()
            .map(|item| match item {
                Slot::Scalar(item) => Ok(*item),
                Slot::List(..) => Err(Refuse),
            })
            .collect::<Lowered<Vec<Scalar>>>()?;
        let equal = |a: u8, b: u8| plan::binary(BinaryOp::Eq, a, b);
        // Needle tags share one case only where every comparison's result is a constant
        // (`false`, an error, a fallback): any emitted comparison depends on the tag.
        let outcomes = |t: u8| -> Vec<Result<Plan, u8>> {
            items
                .iter()
                .map(|item| match item.tag {
                    Tag::Known(it) => match equal(it, t) {
                        constant @ (Plan::Bool(_) | Plan::Error | Plan::Fallback) => Ok(constant),
                        _ => Err(t),
                    },
                    Tag::Dyn(_) | Tag::Unchecked(_) => Err(t),
                })
                .collect()
        };
        let join = self.join_block();
        let mut uses = Vec::new();
        self.dispatch(
            needle.tag,
            outcomes,
            |this, t, uses| {
                let needle = Scalar {
                    tag: Tag::Known(t),
                    ..needle
                };
                if t == TEXT
                    && let Some(constants) = this.text_constants(&items)
                    && let Some(found) = this.inline_text_in(needle.b, &constants)
                {
                    let zero = this.zero();
                    this.finish_leaf(Leaf::Value(BOOL, found, zero), join, uses);
                    return Ok(());
                }
                let mut acc = this.b.ins().iconst(I64, 0);
                for item in &items {
                    let Some(eq) = this.binary(*item, needle, equal) else {
                        // Every path of this comparison left the function.
                        return Ok(());
                    };
                    acc = this.b.ins().bor(acc, eq.a);
                }
                let zero = this.zero();
                this.finish_leaf(Leaf::Value(BOOL, acc, zero), join, uses);
                Ok(())
            },
            &mut uses,
        )?;
        let result = self.after_join(join, &uses);
        if result.is_some() {
            // A case above may have ended every one of its paths; the join is reached.
            self.live = true;
        }
        Ok(result)
    }

    /// The bytes of every item, when all are short text constants.
    fn text_constants(&self, items: &[Scalar]) -> Option<Vec<&'a [u8]>> {
        items
            .iter()
            .map(|item| match (item.tag, item.text) {
                (Tag::Known(TEXT), Some(id)) => self.inline_text(id),
                _ => None,
            })
            .collect()
    }

    /// Pushes an operation's result, or notes that every path left the function.
    fn push_result(&mut self, stack: &mut Vec<Slot>, result: Option<Scalar>) -> Lowered<()> {
        match result {
            Some(s) => self.push(stack, Slot::Scalar(s)),
            None => {
                self.live = false;
                Ok(())
            }
        }
    }

    /// Requires a bool (an error otherwise) and returns its flag; `None` when it is
    /// known not to be one (the block then ends in the error exit).
    fn expect_bool(&mut self, s: Scalar) -> Option<ir::Value> {
        match self.checked(s.tag) {
            Tag::Known(BOOL) => {}
            Tag::Known(_) => {
                self.fail();
                return None;
            }
            Tag::Dyn(tag) | Tag::Unchecked(tag) => {
                let not_bool = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::NotEqual, tag, i64::from(BOOL));
                self.exit_if(not_bool, self.error);
            }
        }
        Some(self.flag(s))
    }

    // ---- instructions ----------------------------------------------------------

    fn instr(&mut self, len: usize, pc: usize, instr: Instr, stack: &mut Vec<Slot>) -> Lowered<()> {
        match instr {
            Instr::Const(id) => match self.module.consts.get(id as usize) {
                Some(Const::Int(x)) => {
                    let slot = self.known(INT, *x);
                    self.push(stack, slot)?;
                }
                Some(Const::Number(x)) if x.is_finite() => {
                    let slot = self.known(NUMBER, x.to_bits() as i64);
                    self.push(stack, slot)?;
                }
                Some(Const::Bool(flag)) => {
                    let slot = self.known(BOOL, i64::from(*flag));
                    self.push(stack, slot)?;
                }
                Some(Const::Date(days)) => {
                    let slot = self.known(DATE, i64::from(*days));
                    self.push(stack, slot)?;
                }
                Some(Const::Absent) => {
                    let slot = self.known(ABSENT, 0);
                    self.push(stack, slot)?;
                }
                Some(Const::Number(_)) | None => self.fail(),
            },
            Instr::Str(id) => match self.texts.address(self.module, id) {
                Some(address) => {
                    let a = self.zero();
                    let b = self.b.ins().iconst(I64, address);
                    let slot = Slot::Scalar(Scalar {
                        tag: Tag::Known(TEXT),
                        a,
                        b,
                        text: Some(id),
                    });
                    self.push(stack, slot)?;
                }
                None => self.fail(),
            },
            Instr::LoadVar(var) => {
                if self.module.vars.get(var as usize).is_none() {
                    self.fail();
                    return Ok(());
                }
                let var = self.b.ins().iconst(I64, i64::from(var));
                let p = self.params;
                let ptr = self.call(
                    self.sigs.four,
                    helpers::load_var as *const (),
                    &[p.known, p.value, p.candidate, var],
                );
                let slot = self.load_value(ptr);
                self.push(stack, slot)?;
            }
            Instr::LoadCustomer(i) => {
                // In bounds: `check_customer_count` compared the count with the
                // highest index on entry.
                let base = self.params.customer;
                let offset = i64::from(i) * std::mem::size_of::<Value>() as i64;
                let ptr = self.b.ins().iadd_imm_s(base, offset);
                let slot = self.load_value(ptr);
                self.push(stack, slot)?;
            }
            Instr::LoadValue => {
                let ptr = self.params.value;
                let none = self.b.ins().icmp_imm_s(IntCC::Equal, ptr, 0);
                self.exit_if(none, self.error);
                let slot = self.load_value(ptr);
                self.push(stack, slot)?;
            }
            Instr::MakeList(n) => {
                let n = usize::from(n);
                if n > stack.len() {
                    return Err(Refuse);
                }
                let items = stack.split_off(stack.len() - n);
                let depth = 1 + items
                    .iter()
                    .map(|item| match item {
                        Slot::List(_, depth) => *depth,
                        Slot::Scalar(_) => 0,
                    })
                    .max()
                    .unwrap_or(0);
                if depth > MAX_NESTING {
                    return Err(Refuse);
                }
                self.push(stack, Slot::List(items, depth))?;
            }
            Instr::Pop => {
                Self::pop(stack)?;
            }
            Instr::Dup => {
                let top = stack.last().cloned().ok_or(Refuse)?;
                self.push(stack, top)?;
            }
            Instr::Unary(op) => {
                let s = Self::pop_scalar(stack)?;
                let result = self.unary(s, |t| plan::unary(op, t));
                self.push_result(stack, result)?;
            }
            Instr::Binary(op) => {
                let right = Self::pop(stack)?;
                let left = Self::pop_scalar(stack)?;
                let result = match (op, right) {
                    (BinaryOp::In, Slot::List(items, _)) => self.in_list(left, &items)?,
                    (_, Slot::List(..)) => return Err(Refuse),
                    (op, Slot::Scalar(right)) => {
                        self.binary(left, right, |l, r| plan::binary(op, l, r))
                    }
                };
                self.push_result(stack, result)?;
            }
            Instr::Call(builtin, argc) => self.builtin(builtin, argc, stack)?,
            Instr::Matches(id) => {
                let s = Self::pop_scalar(stack)?;
                let result = self.unary(s, |t| plan::matches(id, t));
                self.push_result(stack, result)?;
            }
            Instr::Exists => {
                let slot = match Self::pop(stack)? {
                    Slot::List(..) => self.known(BOOL, 1),
                    Slot::Scalar(Scalar {
                        tag: Tag::Known(t), ..
                    }) => self.known(BOOL, i64::from(t != ABSENT)),
                    // A list or JSON is present too: no range check needed.
                    Slot::Scalar(Scalar {
                        tag: Tag::Dyn(tag) | Tag::Unchecked(tag),
                        ..
                    }) => {
                        let c = self
                            .b
                            .ins()
                            .icmp_imm_s(IntCC::NotEqual, tag, i64::from(ABSENT));
                        let a = self.b.ins().uextend(I64, c);
                        let b = self.zero();
                        Slot::Scalar(Scalar {
                            tag: Tag::Known(BOOL),
                            a,
                            b,
                            text: None,
                        })
                    }
                };
                self.push(stack, slot)?;
            }
            Instr::Jump(target) => {
                let (block, args) = self.jump_edge(len, pc, target, stack)?;
                self.b.ins().jump(block, &args);
                self.live = false;
            }
            Instr::JumpIfFalse(target) => {
                let s = Self::pop_scalar(stack)?;
                if let Some(flag) = self.expect_bool(s) {
                    let (block, args) = self.jump_edge(len, pc, target, stack)?;
                    let next = self.b.create_block();
                    self.b.ins().brif(flag, next, &[], block, &args);
                    self.b.switch_to_block(next);
                }
            }
            Instr::JumpIfFalseKeep(target) | Instr::JumpIfTrueKeep(target) => {
                let s = Self::pop_scalar(stack)?;
                if let Some(flag) = self.expect_bool(s) {
                    let kept = Slot::Scalar(Scalar {
                        tag: Tag::Known(BOOL),
                        ..s
                    });
                    stack.push(kept);
                    let (block, args) = self.jump_edge(len, pc, target, stack)?;
                    stack.pop();
                    let next = self.b.create_block();
                    if matches!(instr, Instr::JumpIfTrueKeep(_)) {
                        self.b.ins().brif(flag, block, &args, next, &[]);
                    } else {
                        self.b.ins().brif(flag, next, &[], block, &args);
                    }
                    self.b.switch_to_block(next);
                }
            }
            Instr::JumpIfPresent(target) => {
                let top = stack.last().cloned().ok_or(Refuse)?;
                match top {
                    Slot::Scalar(Scalar {
                        tag: Tag::Known(ABSENT),
                        ..
                    }) => {
                        stack.pop();
                    }
                    Slot::List(..)
                    | Slot::Scalar(Scalar {
                        tag: Tag::Known(_), ..
                    }) => {
                        let (block, args) = self.jump_edge(len, pc, target, stack)?;
                        self.b.ins().jump(block, &args);
                        self.live = false;
                    }
                    // The edge range-checks what it carries.
                    Slot::Scalar(Scalar {
                        tag: Tag::Dyn(tag) | Tag::Unchecked(tag),
                        ..
                    }) => {
                        let (block, args) = self.jump_edge(len, pc, target, stack)?;
                        let absent = self
                            .b
                            .ins()
                            .icmp_imm_s(IntCC::Equal, tag, i64::from(ABSENT));
                        let next = self.b.create_block();
                        self.b.ins().brif(absent, next, &[], block, &args);
                        self.b.switch_to_block(next);
                        stack.pop();
                    }
                }
            }
            Instr::Return => {
                let code = match Self::pop(stack)? {
                    Slot::List(..) => self.b.ins().iconst(types::I32, i64::from(NOT_BOOL)),
                    Slot::Scalar(s) => match self.checked(s.tag) {
                        Tag::Known(BOOL) => {
                            let flag = self.flag(s);
                            self.b.ins().uextend(types::I32, flag)
                        }
                        Tag::Known(_) => self.b.ins().iconst(types::I32, i64::from(NOT_BOOL)),
                        Tag::Dyn(tag) | Tag::Unchecked(tag) => {
                            let is_bool =
                                self.b.ins().icmp_imm_s(IntCC::Equal, tag, i64::from(BOOL));
                            let flag = self.flag(s);
                            let flag = self.b.ins().uextend(types::I32, flag);
                            let not_bool = self.b.ins().iconst(types::I32, i64::from(NOT_BOOL));
                            self.b.ins().select(is_bool, flag, not_bool)
                        }
                    },
                };
                self.b.ins().return_(&[code]);
                self.live = false;
            }
            _ => return Err(Refuse),
        }
        Ok(())
    }

    fn builtin(&mut self, builtin: Builtin, argc: u8, stack: &mut Vec<Slot>) -> Lowered<()> {
        // Revision 2's built-ins (the clock, dates, `join`) are the interpreter's alone:
        // refused before anything else, so even a call with a wrong arity (which only
        // unverified bytecode has) gives the interpreter's verdict.
        if matches!(
            builtin,
            Builtin::Join
                | Builtin::Today
                | Builtin::Hour
                | Builtin::AddDays
                | Builtin::DaysBetween
                | Builtin::Weekday
        ) {
            return Err(Refuse);
        }
        let argc = usize::from(argc);
        if argc > stack.len() {
            return Err(Refuse);
        }
        let args = stack.split_off(stack.len() - argc);
        if !builtin
            .arities()
            .iter()
            .any(|&n| usize::from(n) == args.len())
        {
            self.fail();
            return Ok(());
        }
        let result = match (builtin, args.as_slice()) {
            (Builtin::Len, [Slot::List(items, _)]) => {
                let n = i64::try_from(items.len()).map_err(|_| Refuse)?;
                let slot = self.known(INT, n);
                return self.push(stack, slot);
            }
            (Builtin::Len, [Slot::Scalar(s)]) => self.unary(*s, plan::len),
            (Builtin::Contains, [Slot::List(items, _), Slot::Scalar(needle)]) => {
                self.in_list(*needle, items)?
            }
            (Builtin::Contains, [Slot::Scalar(haystack), Slot::Scalar(needle)]) => {
                self.binary(*needle, *haystack, |n, h| plan::binary(BinaryOp::In, n, h))
            }
            (_, [Slot::Scalar(first), Slot::Scalar(second)]) => {
                if plan::builtin2(builtin, TEXT, TEXT).is_none() {
                    return Err(Refuse);
                }
                self.binary(*first, *second, |a, b| {
                    plan::builtin2(builtin, a, b).unwrap_or(Plan::Error)
                })
            }
            _ => return Err(Refuse),
        };
        self.push_result(stack, result)
    }
}

/// The widest word (8, 4, 2 or 1 bytes) that fits at byte `at` of a `len`-byte text.
fn word_width(at: usize, len: usize) -> usize {
    match len - at {
        8.. => 8,
        4..=7 => 4,
        2..=3 => 2,
        _ => 1,
    }
}
