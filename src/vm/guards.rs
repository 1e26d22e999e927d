//! Evaluating one guard from outside a conversation: what benchmarks, tools and
//! embedders use to time or test a guard on a given session. Inside the interpreter
//! the same path ([`super::eval::eval_guard`]) runs for every audience, `when` and
//! `check`.

use crate::codegen::isa::{ChunkId, VarId};

use super::eval::{Env, eval_guard};
use super::program::Program;
use super::session::Session;
use super::value::Value;

impl Program {
    /// Whether a guard chunk (an audience condition or a `when`) holds for `session`:
    /// native code when it was compiled, the interpreter otherwise. A run-time error
    /// or a value that is not a bool counts as false, as everywhere in the interpreter.
    #[inline]
    pub fn eval_guard(&self, chunk: ChunkId, session: &Session) -> bool {
        eval_guard(&Env::new(self, session), chunk)
    }

    /// Whether a check condition holds for `value` (`value` in the expression). With
    /// `var`, the variable under check reads as `value` too, as when an answer is
    /// validated.
    #[inline]
    pub fn eval_check(
        &self,
        chunk: ChunkId,
        session: &Session,
        var: Option<VarId>,
        value: &Value,
    ) -> bool {
        let env = Env {
            prog: self,
            session,
            value: Some(value),
            candidate: var,
        };
        eval_guard(&env, chunk)
    }
}
