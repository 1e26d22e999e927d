//! Expression evaluation: the instructions every chunk may use, and running an
//! expression chunk (guard, template, check, default) to its single value.
//!
//! Bytecode only jumps forward, so a chunk runs at most `code.len()` instructions; the
//! loop still counts fuel and refuses backward jumps, a deep stack, and any operand out
//! of range, so a malformed bundle gives a [`RuntimeError`], never a panic or a hang.
//!
//! Operands are [`Operand`]s: a load borrows the customer attribute, variable or text
//! constant it reads instead of cloning it, and an expression's stack lives inline on
//! the Rust stack ([`ExprStack`]), so a guard like `customer.plan == "enterprise"`
//! allocates nothing. A procedure body keeps its stack across suspensions, so its
//! stack owns its values (`Vec<Value>`); [`exec`] works on either through [`Stack`].

use std::borrow::Cow;

use smallvec::SmallVec;

use crate::codegen::isa::{ChunkId, Const, FailureField, Instr, VarId};

use super::ops::{self, RuntimeError, fail};
use super::program::Program;
use super::session::Session;
use super::value::{MAX_NESTING, Value};

/// The deepest operand stack a chunk may build: the limit the verifier proves, checked
/// again here as defence in depth.
pub(crate) use crate::codegen::isa::MAX_STACK;

/// What an expression can read. `Copy`, so that a guard's hot path can keep it in
/// registers (see [`eval_guard`]).
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    /// The program.
    pub prog: &'a Program,
    /// Variables, customer attributes, secrets, the last effect's result.
    pub session: &'a Session,
    /// `value` in a check.
    pub value: Option<&'a Value>,
    /// The variable whose candidate answer `value` is while its own checks run:
    /// `LoadVar` of it reads `value`.
    pub candidate: Option<VarId>,
}

impl<'a> Env<'a> {
    /// An environment without a value under test.
    pub(super) fn new(prog: &'a Program, session: &'a Session) -> Env<'a> {
        Env {
            prog,
            session,
            value: None,
            candidate: None,
        }
    }
}

/// A value on the operand stack: borrowed from the environment (a customer attribute,
/// a variable, a text constant of the program) or computed by an instruction.
pub(crate) type Operand<'e> = Cow<'e, Value>;

/// The operands of one instruction (`MakeList`, `Concat`, `Call`...), first pushed
/// first; inline up to four.
pub(crate) type Operands<'e> = SmallVec<[Operand<'e>; 4]>;

/// An expression's operand stack: inline up to eight operands (guards rarely need
/// more than three), on the heap beyond.
pub(crate) type ExprStack<'e> = SmallVec<[Operand<'e>; 8]>;

/// An operand stack [`exec`] can work on. Implementations give the four primitives;
/// the checked operations (underflow, [`MAX_STACK`]) are shared.
pub(crate) trait Stack<'e> {
    /// How many operands are on the stack.
    fn depth(&self) -> usize;
    /// Pushes without checking the depth.
    fn push_unchecked(&mut self, operand: Operand<'e>);
    /// Removes the top operand, if any.
    fn take_top(&mut self) -> Option<Operand<'e>>;
    /// Removes the operands from position `from` up, first pushed first.
    fn take_from(&mut self, from: usize) -> Operands<'e>;
    /// The top operand, if any.
    fn top(&self) -> Option<&Value>;

    /// Pushes an operand, refusing to grow past [`MAX_STACK`].
    #[inline]
    fn push_operand(&mut self, operand: Operand<'e>) -> Result<(), RuntimeError> {
        if self.depth() >= MAX_STACK {
            return fail("operand stack overflow");
        }
        self.push_unchecked(operand);
        Ok(())
    }

    /// Pops the top operand.
    #[inline]
    fn pop_operand(&mut self) -> Result<Operand<'e>, RuntimeError> {
        self.take_top().map_or_else(underflow, Ok)
    }

    /// Pops `n` operands, first pushed first.
    #[inline]
    fn pop_operands(&mut self, n: usize) -> Result<Operands<'e>, RuntimeError> {
        match self.depth().checked_sub(n) {
            Some(from) => Ok(self.take_from(from)),
            None => underflow(),
        }
    }
}

fn underflow<T>() -> Result<T, RuntimeError> {
    fail("operand stack underflow")
}

/// A procedure body's stack: it outlives the environment of one instruction, so it
/// owns its values (a borrowed operand is cloned when pushed).
impl<'e> Stack<'e> for Vec<Value> {
    fn depth(&self) -> usize {
        self.len()
    }

    fn push_unchecked(&mut self, operand: Operand<'e>) {
        self.push(operand.into_owned());
    }

    fn take_top(&mut self) -> Option<Operand<'e>> {
        self.pop().map(Cow::Owned)
    }

    fn take_from(&mut self, from: usize) -> Operands<'e> {
        self.drain(from..).map(Cow::Owned).collect()
    }

    fn top(&self) -> Option<&Value> {
        self.last()
    }
}

/// An expression's stack: operands borrow from the environment for the whole run.
impl<'e> Stack<'e> for ExprStack<'e> {
    fn depth(&self) -> usize {
        self.len()
    }

    fn push_unchecked(&mut self, operand: Operand<'e>) {
        self.push(operand);
    }

    fn take_top(&mut self) -> Option<Operand<'e>> {
        self.pop()
    }

    fn take_from(&mut self, from: usize) -> Operands<'e> {
        self.drain(from..).collect()
    }

    fn top(&self) -> Option<&Value> {
        self.last().map(|operand| &**operand)
    }
}

/// Pops the top of a body's stack as an owned value.
pub(crate) fn pop(stack: &mut Vec<Value>) -> Result<Value, RuntimeError> {
    stack.pop_operand().map(Cow::into_owned)
}

/// What an instruction asks the loop to do next.
pub(crate) enum Flow<'e> {
    /// Go on with the next instruction.
    Next,
    /// Go on at this (forward) instruction index.
    Jump(u32),
    /// The chunk's result.
    Return(Operand<'e>),
    /// A procedure step: only a body may run it.
    Step,
}

fn forward<'e>(pc: usize, target: u32) -> Result<Flow<'e>, RuntimeError> {
    if (target as usize) <= pc {
        return fail(format!("jump from {pc} to {target} is not forward"));
    }
    Ok(Flow::Jump(target))
}

fn peek_bool<'e>(stack: &impl Stack<'e>) -> Result<bool, RuntimeError> {
    match stack.top() {
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(other) => fail(format!("expected a bool, got {}", other.kind_name())),
        None => fail("operand stack underflow"),
    }
}

/// Executes one instruction that any chunk may contain.
pub(crate) fn exec<'e>(
    env: &Env<'e>,
    stack: &mut impl Stack<'e>,
    pc: usize,
    instr: Instr,
) -> Result<Flow<'e>, RuntimeError> {
    let module = env.prog.module();
    match instr {
        Instr::Const(id) => {
            let value = match module.consts.get(id as usize) {
                Some(Const::Int(int)) => Value::Int(*int),
                Some(Const::Number(n)) if n.is_finite() => Value::Number(*n),
                Some(Const::Number(_)) => return fail("non-finite constant"),
                Some(Const::Bool(flag)) => Value::Bool(*flag),
                Some(Const::Date(days)) => Value::Date(*days),
                Some(Const::Absent) => Value::Absent,
                None => return fail(format!("constant {id} out of range")),
            };
            stack.push_operand(Cow::Owned(value))?;
        }
        Instr::Str(id) => {
            let text = env.prog.text_value(id).ok_or_else(|| bad("string", id))?;
            stack.push_operand(Cow::Borrowed(text))?;
        }
        Instr::LoadVar(var) => {
            if env.prog.var(var).is_none() {
                return Err(bad("variable", var));
            }
            let value = match (env.candidate, env.value) {
                (Some(id), Some(value)) if id == var => value,
                _ => env.session.known.get(&var).unwrap_or(&ABSENT),
            };
            stack.push_operand(Cow::Borrowed(value))?;
        }
        Instr::LoadCustomer(i) => {
            let value = env
                .session
                .customer
                .get(i as usize)
                .ok_or_else(|| bad("customer attribute", i))?;
            stack.push_operand(Cow::Borrowed(value))?;
        }
        Instr::LoadSecret(i) => {
            if i as usize >= module.secrets.len() {
                return Err(bad("secret", i));
            }
            let value = match env.session.secrets.get(i as usize) {
                Some(Some(secret)) => Value::Text(secret.clone()),
                _ => Value::Absent,
            };
            stack.push_operand(Cow::Owned(value))?;
        }
        Instr::LoadValue => {
            let value = env
                .value
                .ok_or_else(|| RuntimeError("no `value` here".into()))?;
            stack.push_operand(Cow::Borrowed(value))?;
        }
        Instr::LoadResult => {
            let value = env.session.run.as_ref().map_or(&ABSENT, |run| &run.result);
            stack.push_operand(Cow::Borrowed(value))?;
        }
        Instr::GetField(id) => {
            let name = env.prog.string(id).ok_or_else(|| bad("string", id))?;
            let operand = stack.pop_operand()?;
            let value = match &*operand {
                Value::Json(json) => match &**json {
                    serde_json::Value::Object(map) => {
                        map.get(name).map_or(Value::Absent, Value::from_json)
                    }
                    _ => return fail(format!("cannot read field {name} of json")),
                },
                Value::Absent => Value::Absent,
                other => return fail(format!("cannot read field {name} of {}", other.kind_name())),
            };
            stack.push_operand(Cow::Owned(value))?;
        }
        Instr::MakeList(n) => {
            let items = stack.pop_operands(n.into())?;
            let list = Value::List(items.into_iter().map(Cow::into_owned).collect());
            stack.push_operand(Cow::Owned(nested(list)?))?;
        }
        Instr::MakeObject(n) => {
            let items = stack.pop_operands(usize::from(n) * 2)?;
            let mut map = serde_json::Map::new();
            let mut items = items.into_iter();
            while let (Some(key), Some(value)) = (items.next(), items.next()) {
                let key = match key.into_owned() {
                    Value::Text(key) => key,
                    other => {
                        return fail(format!(
                            "object key must be text, got {}",
                            other.kind_name()
                        ));
                    }
                };
                map.insert(key, value.to_json());
            }
            let object = Value::json(serde_json::Value::Object(map));
            stack.push_operand(Cow::Owned(nested(object)?))?;
        }
        Instr::Concat(n) => {
            let parts = stack.pop_operands(n.into())?;
            let text: String = parts.iter().map(|part| part.render()).collect();
            stack.push_operand(Cow::Owned(Value::Text(text)))?;
        }
        Instr::UrlEncode => {
            let value = stack.pop_operand()?;
            let text = super::url::percent_encode(&value.render());
            stack.push_operand(Cow::Owned(Value::Text(text)))?;
        }
        Instr::Pop => {
            stack.pop_operand()?;
        }
        Instr::Dup => {
            let top = stack.pop_operand()?;
            stack.push_operand(top.clone())?;
            stack.push_operand(top)?;
        }
        Instr::Unary(op) => {
            let operand = stack.pop_operand()?;
            stack.push_operand(Cow::Owned(ops::unary(op, &operand)?))?;
        }
        Instr::Binary(op) => {
            let right = stack.pop_operand()?;
            let left = stack.pop_operand()?;
            stack.push_operand(Cow::Owned(ops::binary(op, &left, &right)?))?;
        }
        Instr::Call(builtin, argc) => {
            let args = stack.pop_operands(argc.into())?;
            let value = if builtin.reads_clock() {
                ops::clock(builtin, &args, env.session.at)?
            } else {
                ops::call(builtin, &args)?
            };
            stack.push_operand(Cow::Owned(value))?;
        }
        Instr::Matches(id) => {
            let regex = env.prog.regex(id).ok_or_else(|| bad("regex", id))?;
            let matched = match &*stack.pop_operand()? {
                Value::Text(text) => regex.is_match(text),
                Value::Absent => false,
                other => return fail(format!("matches needs text, got {}", other.kind_name())),
            };
            stack.push_operand(Cow::Owned(Value::Bool(matched)))?;
        }
        Instr::Exists => {
            let present = !stack.pop_operand()?.is_absent();
            stack.push_operand(Cow::Owned(Value::Bool(present)))?;
        }
        Instr::Jump(target) => return forward(pc, target),
        Instr::JumpIfFalse(target) => {
            let flag = peek_bool(stack)?;
            stack.pop_operand()?;
            if !flag {
                return forward(pc, target);
            }
        }
        Instr::JumpIfFalseKeep(target) => {
            if !peek_bool(stack)? {
                return forward(pc, target);
            }
            stack.pop_operand()?;
        }
        Instr::JumpIfTrueKeep(target) => {
            if peek_bool(stack)? {
                return forward(pc, target);
            }
            stack.pop_operand()?;
        }
        Instr::JumpIfPresent(target) => match stack.top() {
            Some(Value::Absent) => {
                stack.pop_operand()?;
            }
            Some(_) => return forward(pc, target),
            None => return underflow(),
        },
        Instr::Return => return Ok(Flow::Return(stack.pop_operand()?)),
        Instr::LoadFailure(field) => {
            let failure = env
                .session
                .run
                .as_ref()
                .and_then(|run| run.failure.as_ref());
            let operand = match (failure, field) {
                (None, _) => Cow::Borrowed(&ABSENT),
                (Some(f), FailureField::Reason) => {
                    Cow::Owned(Value::Text(f.reason.as_str().into()))
                }
                (Some(f), FailureField::Status) => {
                    Cow::Owned(f.status.map_or(Value::Absent, |s| Value::Int(i64::from(s))))
                }
                (Some(f), FailureField::Response) => Cow::Borrowed(&f.response),
            };
            stack.push_operand(operand)?;
        }
        Instr::JumpUnless { .. } | Instr::Then(_) | Instr::Fail(_) => return Ok(Flow::Step),
        Instr::Collect(_)
        | Instr::Approve(_)
        | Instr::FollowUp
        | Instr::Redirect
        | Instr::OpenComponent(_)
        | Instr::SwitchTopic(_)
        | Instr::LiveChat
        | Instr::Request(_)
        | Instr::Lookup(_)
        | Instr::Javascript(_)
        | Instr::Await
        | Instr::JumpIfFailed(_)
        | Instr::Say
        | Instr::Suggest
        | Instr::Save(_)
        | Instr::Offer(_)
        | Instr::Require(_)
        | Instr::Done(_) => return Ok(Flow::Step),
    }
    Ok(Flow::Next)
}

/// What a variable, a missing result or an absent attribute reads as.
static ABSENT: Value = Value::Absent;

/// Refuses a value nested beyond [`MAX_NESTING`] (forward-only code can still nest a
/// list in a list many thousand times).
fn nested(value: Value) -> Result<Value, RuntimeError> {
    if value.nesting() > MAX_NESTING {
        return fail("values nest too deeply");
    }
    Ok(value)
}

fn bad(what: &str, index: u32) -> RuntimeError {
    RuntimeError(format!("{what} {index} out of range"))
}

/// Runs an expression chunk to its value.
pub(crate) fn eval(env: &Env<'_>, chunk: ChunkId) -> Result<Value, RuntimeError> {
    eval_operand(env, chunk).map(Cow::into_owned)
}

/// Runs an expression chunk to its value, borrowed from the environment when the
/// chunk returns what it loaded.
fn eval_operand<'e>(env: &Env<'e>, chunk: ChunkId) -> Result<Operand<'e>, RuntimeError> {
    let code = &env
        .prog
        .chunk(chunk)
        .ok_or_else(|| bad("chunk", chunk))?
        .code;
    let mut stack = ExprStack::new();
    let mut pc = 0usize;
    // Forward-only code runs each instruction at most once; fuel is the belt to that.
    for _ in 0..=code.len() {
        let Some(&instr) = code.get(pc) else {
            return fail(format!("chunk {chunk} ends without Return"));
        };
        match exec(env, &mut stack, pc, instr)? {
            Flow::Next => pc += 1,
            Flow::Jump(target) => pc = target as usize,
            Flow::Return(value) => return Ok(value),
            Flow::Step => return fail(format!("{instr:?} is not allowed in an expression")),
        }
    }
    fail(format!("chunk {chunk} ran out of fuel"))
}

/// Runs a guard (audience, `when`, check condition): a run-time error makes it false.
#[inline]
pub(crate) fn eval_guard(env: &Env<'_>, chunk: ChunkId) -> bool {
    // A native guard decides unless it meets a value it does not model.
    #[cfg(feature = "jit")]
    if let Some(guard) = env.prog.native_guard(chunk) {
        use super::jit::Verdict;
        match super::jit::run(guard, native_inputs(env)) {
            Verdict::True => return true,
            Verdict::False | Verdict::Error | Verdict::NotBool => return false,
            Verdict::Fallback => {}
        }
    }
    interpret_guard(*env, chunk)
}

/// What a native guard reads in `env`: the native tier sees the session's customer
/// attributes and known variables and the program's regexes, not the session or the
/// program themselves.
#[cfg(feature = "jit")]
#[inline]
pub(crate) fn native_inputs<'a>(env: &Env<'a>) -> super::jit::Inputs<'a> {
    super::jit::Inputs {
        customer: &env.session.customer,
        value: env.value,
        candidate: env.candidate,
        known: &env.session.known,
        regexes: env.prog.regexes(),
    }
}

/// The interpreter's answer for a guard. Kept out of line, and given `env` by value,
/// so that the native path above stays a few instructions and never needs `env` in
/// memory.
#[inline(never)]
fn interpret_guard(env: Env<'_>, chunk: ChunkId) -> bool {
    matches!(eval_operand(&env, chunk).as_deref(), Ok(Value::Bool(true)))
}

/// Runs a template chunk to its rendered text.
pub(crate) fn eval_text(env: &Env<'_>, chunk: ChunkId) -> Result<String, RuntimeError> {
    eval(env, chunk).map(|value| value.render())
}
