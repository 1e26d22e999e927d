//! What an expression may see where it stands: which variables (and whether they are
//! optional there), `value`, `result`/`response`, and whether secrets may flow in.

use rustc_hash::{FxHashMap, FxHashSet};

use super::types::Ty;
use crate::syntax::ast::FileId;

/// Which variables are visible.
#[derive(Clone, Copy, Debug)]
pub(super) enum Vars<'s> {
    /// None; the text says why (for the error), e.g. "an audience only sees `customer.*`".
    None(&'static str),
    /// An audience: `customer.*`, and top-level lookups read if known (optional: an
    /// audience never fetches one, §4).
    Audience,
    /// Conversation variables, typed as declared (a conversation variable's own items:
    /// what they mention is collected first).
    Conversation,
    /// Conversation variables, all optional (labels, `when`s and descriptions of
    /// procedures: they are shown before anything is collected).
    ConversationOptional,
    /// Inside a procedure: its local variables (typed as declared) and conversation
    /// variables, optional unless in `collected`.
    Procedure {
        /// The procedure's locals, with their types.
        locals: &'s FxHashMap<String, Ty>,
        /// The conversation variables its run collects (`None`: a local variable's
        /// items, where every mention is collected first).
        collected: Option<&'s FxHashSet<String>>,
    },
}

/// The outcome names in scope in an outcome block.
#[derive(Clone, Copy, Debug)]
pub(super) enum Outcome<'s> {
    /// Neither `result` nor `response`.
    None,
    /// `result`: a component's outputs (a record).
    Result(&'s Ty),
    /// `response`: an api_call's `returns` record, or untyped json when not given.
    Response(Option<&'s Ty>),
    /// `on failure`: `reason` (text), `status` (`int?`) and `response` (`json?`).
    Failure,
}

/// Everything an expression check needs to know about its place.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scope<'s> {
    /// The file the expression is in.
    pub file: FileId,
    /// Where the expression stands, for messages: "a `say`", "the `url`"...
    pub place: &'s str,
    /// Whether `secret.N` may flow here (request headers, query and body only).
    pub secrets: bool,
    /// Visible variables.
    pub vars: Vars<'s>,
    /// The type of `value`, when it is in scope (refinement and variable checks).
    pub value: Option<&'s Ty>,
    /// A variable's own name and type, in scope in its `check`.
    pub own: Option<(&'s str, &'s Ty)>,
    /// `result` / `response`.
    pub outcome: Outcome<'s>,
    /// Whether `customer.*` is visible (false in refinement types).
    pub customer: bool,
}

impl<'s> Scope<'s> {
    /// A scope with nothing in it but `customer.*`.
    pub(super) fn new(file: FileId, place: &'s str, vars: Vars<'s>) -> Self {
        Scope {
            file,
            place,
            secrets: false,
            vars,
            value: None,
            own: None,
            outcome: Outcome::None,
            customer: true,
        }
    }

    /// The same scope at another place.
    pub(super) fn at(self, place: &'s str) -> Self {
        Scope { place, ..self }
    }
}
