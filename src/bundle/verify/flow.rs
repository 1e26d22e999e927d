//! Abstract interpretation over a chunk's forward control-flow graph: the stack has one
//! depth and a coarse type at every instruction, operands have the types their
//! instructions need, secret-derived values reach only request headers/query/body
//! (rule 3), `LoadResult` comes after an `Await` on every path, and every path ends.
//!
//! Jumps only go forward, so visiting instructions in index order sees every predecessor
//! of an instruction before the instruction itself: one pass suffices. Only the states
//! waiting at jump targets are stored, so memory stays proportional to the open jumps.

use std::collections::BTreeMap;
use std::fmt;

use super::ChunkCtx;
use super::error::{Rule, VerifyError};
use super::roles::{Role, base_of};
use super::types::{Ty, Val, taint};
use crate::codegen::isa::{BinaryOp, Builtin, Const, FailureField, Instr, UnaryOp};

/// The deepest the operand stack may grow: one limit, proved here and enforced again by
/// the interpreter.
pub use crate::codegen::isa::MAX_STACK;

/// The abstract machine state before an instruction.
#[derive(Clone, Debug)]
struct State {
    stack: Vec<Val>,
    /// Every path here passed an `Await`.
    awaited: bool,
}

/// Where control goes after an instruction.
struct Next {
    fall: Option<State>,
    jump: Option<(u32, State)>,
}

/// Runs the analysis over the chunk.
pub(crate) fn check_flow(cx: &ChunkCtx<'_>) -> Result<(), VerifyError> {
    let mut pending: BTreeMap<u32, State> = BTreeMap::new();
    // An `if` condition is evaluated where its statement stands, after the effect.
    let mut current = Some(State {
        stack: Vec::new(),
        awaited: matches!(cx.role, Role::Cond(_)),
    });
    for (pc, instr) in cx.code.iter().enumerate() {
        let pc = pc as u32;
        let state = match (current.take(), pending.remove(&pc)) {
            (None, None) => continue,
            (Some(a), None) | (None, Some(a)) => a,
            (Some(a), Some(b)) => merge(cx, pc, a, b)?,
        };
        let next = step(cx, pc, *instr, state)?;
        if let Some((target, s)) = next.jump {
            let merged = match pending.remove(&target) {
                Some(old) => merge(cx, target, old, s)?,
                None => s,
            };
            pending.insert(target, merged);
        }
        current = next.fall;
    }
    if current.is_some() || !pending.is_empty() {
        let last = cx.code.len().saturating_sub(1) as u32;
        return Err(cx.err(
            Rule::FallsOffEnd,
            last,
            "a path runs past the last instruction",
        ));
    }
    Ok(())
}

fn merge(cx: &ChunkCtx<'_>, pc: u32, a: State, b: State) -> Result<State, VerifyError> {
    if a.stack.len() != b.stack.len() {
        return Err(cx.err(
            Rule::StackMismatch,
            pc,
            format!(
                "paths meet with stack depths {} and {}",
                a.stack.len(),
                b.stack.len()
            ),
        ));
    }
    Ok(State {
        stack: a
            .stack
            .iter()
            .zip(&b.stack)
            .map(|(x, y)| x.join(*y))
            .collect(),
        awaited: a.awaited && b.awaited,
    })
}

/// A small helper bundling the state and error context of one instruction.
struct Machine<'c, 'm> {
    cx: &'c ChunkCtx<'m>,
    pc: u32,
    s: State,
}

impl Machine<'_, '_> {
    fn pop(&mut self) -> Result<Val, VerifyError> {
        self.s.stack.pop().ok_or_else(|| {
            self.cx.err(
                Rule::StackUnderflow,
                self.pc,
                "an instruction pops an empty stack",
            )
        })
    }

    fn pop_n(&mut self, n: usize) -> Result<Vec<Val>, VerifyError> {
        if self.s.stack.len() < n {
            return Err(self.cx.err(
                Rule::StackUnderflow,
                self.pc,
                format!(
                    "an instruction pops {n} values from a stack of {}",
                    self.s.stack.len()
                ),
            ));
        }
        Ok(self.s.stack.split_off(self.s.stack.len() - n))
    }

    fn push(&mut self, v: Val) -> Result<(), VerifyError> {
        if self.s.stack.len() >= MAX_STACK {
            return Err(self.cx.err(
                Rule::LimitExceeded,
                self.pc,
                format!("the stack grows past {MAX_STACK} values"),
            ));
        }
        self.s.stack.push(v);
        Ok(())
    }

    fn peek(&self) -> Result<Val, VerifyError> {
        self.s.stack.last().copied().ok_or_else(|| {
            self.cx.err(
                Rule::StackUnderflow,
                self.pc,
                "an instruction reads an empty stack",
            )
        })
    }

    /// Refuses a secret-derived value at a sink other than a request's headers/query/body.
    fn clean(&self, v: Val, sink: &str) -> Result<(), VerifyError> {
        if v.secret {
            Err(self.cx.err(
                Rule::SecretLeak,
                self.pc,
                format!("a secret-derived value reaches {sink}"),
            ))
        } else {
            Ok(())
        }
    }

    fn want(&self, v: Val, allowed: &[Ty], what: &dyn fmt::Display) -> Result<(), VerifyError> {
        if v.ty.fits(allowed) {
            Ok(())
        } else {
            Err(self.cx.err(
                Rule::OperandType,
                self.pc,
                format!("{what} gets a {}", v.describe()),
            ))
        }
    }

    /// An instruction that ends its chunk (`what`, as the message names it) finds the
    /// stack empty: every value pushed in a chunk is consumed in it. One check for the
    /// instructions that end a chunk, so they report a leftover alike.
    fn ends_chunk(&self, what: &str) -> Result<(), VerifyError> {
        if self.s.stack.is_empty() {
            Ok(())
        } else {
            Err(self.cx.err(
                Rule::StackMismatch,
                self.pc,
                format!("{what} leaves {} values on the stack", self.s.stack.len()),
            ))
        }
    }

    /// A text an effect shows or sends: present, of type text, untainted.
    fn text_sink(&mut self, sink: &str) -> Result<(), VerifyError> {
        let v = self.pop()?;
        self.clean(v, sink)?;
        if v.ty != Ty::Text || v.absent {
            return Err(self.cx.err(
                Rule::OperandType,
                self.pc,
                format!("{sink} needs a text but gets a {}", v.describe()),
            ));
        }
        Ok(())
    }

    /// A URL an effect sends: a text as for [`Machine::text_sink`], built only from
    /// string constants and `UrlEncode`d values.
    fn url_sink(&mut self, sink: &str) -> Result<(), VerifyError> {
        let v = self.peek()?;
        self.text_sink(sink)?;
        if !v.url_safe {
            return Err(self.cx.err(
                Rule::UnencodedUrl,
                self.pc,
                format!("{sink} holds a value that is not percent-encoded"),
            ));
        }
        Ok(())
    }

    /// Rule 3: a secret enters a request only as itself; no operator, built-in or
    /// condition reads it, so nothing observable can depend on its value.
    fn as_itself(&self, operands: &[Val], what: &str) -> Result<(), VerifyError> {
        if taint(operands) {
            Err(self.cx.err(
                Rule::SecretLeak,
                self.pc,
                format!("a secret-derived value goes through {what}"),
            ))
        } else {
            Ok(())
        }
    }

    fn cond(&mut self, keep: bool) -> Result<Val, VerifyError> {
        let v = if keep { self.peek()? } else { self.pop()? };
        self.clean(v, "a jump condition")?;
        self.want(v, &[Ty::Bool], &"a jump condition")?;
        Ok(v)
    }
}

fn step(cx: &ChunkCtx<'_>, pc: u32, instr: Instr, s: State) -> Result<Next, VerifyError> {
    let m = cx.module;
    let mut k = Machine { cx, pc, s };
    let mut jump = None;
    let mut falls = true;
    match instr {
        Instr::Const(i) => {
            let v = match m.consts.get(i as usize) {
                Some(Const::Int(_)) => Val::of(Ty::Int),
                Some(Const::Number(_)) => Val::of(Ty::Number),
                Some(Const::Bool(_)) => Val::of(Ty::Bool),
                Some(Const::Date(_)) => Val::of(Ty::Date),
                Some(Const::Absent) | None => Val {
                    ty: Ty::Nothing,
                    absent: true,
                    secret: false,
                    url_safe: false,
                },
            };
            k.push(v)?;
        }
        Instr::Str(_) => k.push(Val {
            url_safe: true,
            ..Val::of(Ty::Text)
        })?,
        Instr::LoadVar(v) => {
            // A variable may be unknown where it is read (not collected yet, `when`
            // false, optional): its value may always be absent.
            let ty = m
                .vars
                .get(v as usize)
                .map(|v| Ty::of_base(base_of(m.types.get(v.ty as usize))));
            k.push(Val {
                ty: ty.unwrap_or(Ty::Any),
                absent: true,
                secret: false,
                url_safe: false,
            })?;
        }
        Instr::LoadCustomer(i) => {
            let f = m.customer.get(i as usize);
            let ty = f
                .map(|f| Ty::of_base(base_of(m.types.get(f.ty as usize))))
                .unwrap_or(Ty::Any);
            k.push(Val {
                ty,
                absent: f.is_none_or(|f| f.optional),
                secret: false,
                url_safe: false,
            })?;
        }
        Instr::LoadSecret(_) => k.push(Val {
            secret: true,
            ..Val::of(Ty::Text)
        })?,
        Instr::LoadValue => {
            let ty = match cx.role {
                Role::CheckCond(b) | Role::CheckMessage(b) => Ty::of_base(b),
                _ => Ty::Any,
            };
            k.push(Val::of(ty))?;
        }
        Instr::LoadResult => {
            if !k.s.awaited {
                return Err(cx.err(
                    Rule::ResultBeforeAwait,
                    pc,
                    "the result is read before an `Await` on some path",
                ));
            }
            k.push(Val::of(Ty::Any))?;
        }
        Instr::LoadFailure(field) => k.push(Val {
            ty: match field {
                FailureField::Reason => Ty::Text,
                FailureField::Status => Ty::Int,
                FailureField::Response => Ty::Any,
            },
            absent: field != FailureField::Reason,
            secret: false,
            url_safe: false,
        })?,
        Instr::JumpUnless { target, .. } => jump = Some((target, k.s.clone())),
        Instr::Then(_) => {}
        Instr::GetField(_) => {
            let v = k.pop()?;
            k.as_itself(&[v], "a field access")?;
            k.want(v, &[], &"a field access")?;
            k.push(Val {
                ty: Ty::Any,
                absent: true,
                secret: v.secret,
                url_safe: false,
            })?;
        }
        Instr::MakeList(n) => {
            let vals = k.pop_n(n as usize)?;
            k.push(Val::computed(Ty::List, &vals))?;
        }
        Instr::MakeObject(n) => {
            let vals = k.pop_n(2 * n as usize)?;
            for key in vals.iter().step_by(2) {
                if key.ty != Ty::Text || key.absent {
                    return Err(cx.err(
                        Rule::OperandType,
                        pc,
                        format!("an object key is a {}", key.describe()),
                    ));
                }
            }
            k.push(Val::computed(Ty::Any, &vals))?;
        }
        Instr::Concat(n) => {
            let vals = k.pop_n(n as usize)?;
            k.push(Val {
                url_safe: vals.iter().all(|v| v.url_safe),
                ..Val::computed(Ty::Text, &vals)
            })?;
        }
        Instr::UrlEncode => {
            let v = k.pop()?;
            k.clean(v, "a URL")?;
            k.push(Val {
                url_safe: true,
                ..Val::of(Ty::Text)
            })?;
        }
        Instr::Pop => {
            k.pop()?;
        }
        Instr::Dup => {
            let v = k.peek()?;
            k.push(v)?;
        }
        Instr::Unary(op) => {
            let v = k.pop()?;
            k.as_itself(&[v], "an operator")?;
            let ty = match op {
                UnaryOp::Not => {
                    k.want(v, &[Ty::Bool], &"`not`")?;
                    Ty::Bool
                }
                UnaryOp::Neg => {
                    k.want(v, &[Ty::Int, Ty::Number], &"negation")?;
                    if v.ty == Ty::Int { Ty::Int } else { Ty::Number }
                }
            };
            k.push(Val::computed(ty, &[v]))?;
        }
        Instr::Binary(op) => {
            let r = k.pop()?;
            let l = k.pop()?;
            k.as_itself(&[l, r], "an operator")?;
            let ty = binary(&k, op, l, r)?;
            k.push(Val::computed(ty, &[l, r]))?;
        }
        Instr::Call(f, argc) => {
            let args = k.pop_n(argc as usize)?;
            k.as_itself(&args, "a built-in")?;
            let ty = call(&k, f, &args)?;
            k.push(Val::computed(ty, &args))?;
        }
        Instr::Matches(_) => {
            let v = k.pop()?;
            k.as_itself(&[v], "`matches`")?;
            k.want(v, &[Ty::Text], &"`matches`")?;
            k.push(Val::computed(Ty::Bool, &[v]))?;
        }
        Instr::Exists => {
            let v = k.pop()?;
            k.as_itself(&[v], "`exists`")?;
            k.push(Val::computed(Ty::Bool, &[v]))?;
        }
        Instr::Jump(t) => {
            jump = Some((t, k.s.clone()));
            falls = false;
        }
        Instr::JumpIfFalse(t) => {
            k.cond(false)?;
            jump = Some((t, k.s.clone()));
        }
        Instr::JumpIfFalseKeep(t) | Instr::JumpIfTrueKeep(t) => {
            k.cond(true)?;
            jump = Some((t, k.s.clone()));
            k.pop()?;
        }
        Instr::JumpIfPresent(t) => {
            let v = k.peek()?;
            k.clean(v, "a jump condition")?;
            let mut taken = k.s.clone();
            if let Some(top) = taken.stack.last_mut() {
                top.absent = false;
            }
            jump = Some((t, taken));
            k.pop()?;
        }
        Instr::Return => {
            let v = k.pop()?;
            if !k.s.stack.is_empty() {
                return Err(cx.err(
                    Rule::BadReturn,
                    pc,
                    format!(
                        "`Return` leaves {} more values on the stack",
                        k.s.stack.len()
                    ),
                ));
            }
            k.clean(v, "the result of an expression")?;
            check_return(&k, v)?;
            falls = false;
        }
        Instr::Collect(_) => {}
        Instr::Approve(_) => k.text_sink("an approval prompt")?,
        Instr::FollowUp => k.text_sink("a follow-up question")?,
        Instr::Redirect => k.url_sink("a redirect URL")?,
        Instr::OpenComponent(_) => {
            let v = k.pop()?;
            k.clean(v, "a component's input")?;
            k.want(v, &[], &"a component's input")?;
        }
        Instr::SwitchTopic(_) => {}
        Instr::LiveChat => {
            k.text_sink("a live chat note")?;
            k.text_sink("a live chat queue")?;
        }
        Instr::Request(_) | Instr::Lookup(_) => {
            // Body, query and headers may carry secrets: that is what they are for.
            let parts = k.pop_n(3)?;
            if let [_body, query, headers] = parts.as_slice() {
                k.want(*query, &[], &"a request's query")?;
                k.want(*headers, &[], &"a request's headers")?;
            }
            let lookup = matches!(instr, Instr::Lookup(_));
            k.url_sink(if lookup {
                "a lookup's URL"
            } else {
                "a request URL"
            })?;
            // A lookup's request ends its chunk with nothing else on the stack.
            if lookup {
                k.ends_chunk("`Lookup`")?;
                falls = false;
            }
        }
        Instr::Javascript(_) => {
            let v = k.pop()?;
            k.clean(v, "JavaScript arguments")?;
            k.want(v, &[], &"JavaScript arguments")?;
        }
        Instr::Await => k.s.awaited = true,
        Instr::JumpIfFailed(t) => {
            if !k.s.awaited {
                return Err(cx.err(
                    Rule::ResultBeforeAwait,
                    pc,
                    "a result is tested before an `Await` on some path",
                ));
            }
            jump = Some((t, k.s.clone()));
        }
        Instr::Say => k.text_sink("`say`")?,
        Instr::Suggest => k.text_sink("`suggest`")?,
        Instr::Save(var) => {
            let v = k.pop()?;
            k.clean(v, "`save`")?;
            let want = m
                .vars
                .get(var as usize)
                .map(|d| Ty::of_base(base_of(m.types.get(d.ty as usize))));
            if let Some(want) = want
                && !compatible(v.ty, want)
            {
                return Err(cx.err(
                    Rule::OperandType,
                    pc,
                    format!(
                        "`save` stores a {} into a {} variable",
                        v.describe(),
                        want.name()
                    ),
                ));
            }
        }
        // Checks a requirement (its chunks are verified by their roles) and may end the
        // run; it touches no operand.
        Instr::Offer(_) | Instr::Require(_) => {}
        Instr::Done(_) | Instr::Fail(_) => {
            k.ends_chunk("`Done`")?;
            falls = false;
        }
    }
    Ok(Next {
        fall: falls.then_some(k.s),
        jump,
    })
}

/// Whether a value of type `got` may be stored where `want` is declared. Stored values
/// are validated like answers, so a text may become a date (`YYYY-MM-DD`).
fn compatible(got: Ty, want: Ty) -> bool {
    got == want
        || matches!(got, Ty::Any | Ty::Nothing)
        || want == Ty::Any
        || (got == Ty::Int && want == Ty::Number)
        || (got == Ty::Text && want == Ty::Date)
}

fn numeric(t: Ty) -> bool {
    matches!(t, Ty::Int | Ty::Number)
}

fn binary(k: &Machine<'_, '_>, op: BinaryOp, l: Val, r: Val) -> Result<Ty, VerifyError> {
    // Named only in an error: formatting it for every operator would allocate.
    let what = Backticked(&op);
    Ok(match op {
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            Ty::Bool
        }
        BinaryOp::In => {
            k.want(r, &[Ty::List, Ty::Text], &what)?;
            Ty::Bool
        }
        BinaryOp::Add => {
            k.want(l, &[Ty::Int, Ty::Number, Ty::Text], &what)?;
            k.want(r, &[Ty::Int, Ty::Number, Ty::Text], &what)?;
            match (l.ty, r.ty) {
                (a, b) if a == b && a != Ty::Nothing => a,
                (a, b) if numeric(a) && numeric(b) => Ty::Number,
                (Ty::Text, b) | (b, Ty::Text) if numeric(b) => {
                    return Err(k
                        .cx
                        .err(Rule::OperandType, k.pc, "`+` mixes a text and a number"));
                }
                _ => Ty::Any,
            }
        }
        BinaryOp::Sub | BinaryOp::Mul => {
            k.want(l, &[Ty::Int, Ty::Number], &what)?;
            k.want(r, &[Ty::Int, Ty::Number], &what)?;
            if l.ty == Ty::Int && r.ty == Ty::Int {
                Ty::Int
            } else {
                Ty::Number
            }
        }
        BinaryOp::Div => {
            k.want(l, &[Ty::Int, Ty::Number], &what)?;
            k.want(r, &[Ty::Int, Ty::Number], &what)?;
            Ty::Number
        }
    })
}

fn call(k: &Machine<'_, '_>, f: Builtin, args: &[Val]) -> Result<Ty, VerifyError> {
    if !f.arities().iter().any(|&n| usize::from(n) == args.len()) {
        return Err(k.cx.err(
            Rule::OperandType,
            k.pc,
            format!(
                "`{f:?}` takes {:?} arguments, not {}",
                f.arities(),
                args.len()
            ),
        ));
    }
    let what = Backticked(&f);
    let first = args.first().copied().unwrap_or(Val::of(Ty::Any));
    Ok(match f {
        Builtin::Len => {
            k.want(first, &[Ty::Text, Ty::List], &what)?;
            Ty::Int
        }
        Builtin::Lower | Builtin::Upper | Builtin::Trim => {
            k.want(first, &[Ty::Text], &what)?;
            Ty::Text
        }
        Builtin::Contains => {
            k.want(first, &[Ty::Text, Ty::List], &what)?;
            Ty::Bool
        }
        Builtin::StartsWith | Builtin::EndsWith => {
            for a in args {
                k.want(*a, &[Ty::Text], &what)?;
            }
            Ty::Bool
        }
        Builtin::Join => {
            k.want(first, &[Ty::List], &what)?;
            k.want(args[1], &[Ty::Text], &what)?;
            Ty::Text
        }
        // The zone, when given, is a text.
        Builtin::Today | Builtin::Hour => {
            if let Some(zone) = args.first() {
                k.want(*zone, &[Ty::Text], &what)?;
            }
            if f == Builtin::Today {
                Ty::Date
            } else {
                Ty::Int
            }
        }
        // A text that is a date stands for it (checked at run time, like a stored text).
        Builtin::AddDays => {
            k.want(first, &[Ty::Date, Ty::Text], &what)?;
            k.want(args[1], &[Ty::Int], &what)?;
            Ty::Date
        }
        Builtin::DaysBetween => {
            for a in args {
                k.want(*a, &[Ty::Date, Ty::Text], &what)?;
            }
            Ty::Int
        }
        Builtin::Weekday => {
            k.want(first, &[Ty::Date, Ty::Text], &what)?;
            Ty::Text
        }
    })
}

fn check_return(k: &Machine<'_, '_>, v: Val) -> Result<(), VerifyError> {
    let cx = k.cx;
    let ok = match cx.role {
        Role::Guard | Role::CheckCond(_) | Role::Cond(_) => v.ty.fits(&[Ty::Bool]),
        Role::Text | Role::CheckMessage(_) => v.ty == Ty::Text && !v.absent,
        Role::Default(var) => {
            let want = cx
                .module
                .vars
                .get(var as usize)
                .map(|d| Ty::of_base(base_of(cx.module.types.get(d.ty as usize))))
                .unwrap_or(Ty::Any);
            compatible(v.ty, want)
        }
        Role::Items => v.ty.fits(&[Ty::List]),
        Role::Body(_) | Role::Outcome(..) | Role::Lookup(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(cx.err(
            Rule::ReturnType,
            k.pc,
            format!(
                "the chunk returns a {} where {} is needed",
                v.describe(),
                expected(cx.role)
            ),
        ))
    }
}

fn expected(role: Role) -> &'static str {
    match role {
        Role::Guard | Role::CheckCond(_) | Role::Cond(_) => "a bool",
        Role::Text | Role::CheckMessage(_) => "a text",
        Role::Default(_) => "a value of the variable's type",
        Role::Items => "a list",
        Role::Body(_) | Role::Outcome(..) | Role::Lookup(_) => "nothing",
    }
}

/// An operator or builtin's name in backticks, formatted only when an error shows it.
struct Backticked<'a, T: fmt::Debug>(&'a T);

impl<T: fmt::Debug> fmt::Display for Backticked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{:?}`", self.0)
    }
}
