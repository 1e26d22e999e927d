//! The `if` branches of `procc test --coverage`: each branch of every `if` statement of
//! a procedure (found in its declaration), and which of them the tests' runs entered
//! (from the interpreter's branch trace, [`crate::vm::Step::branches`]).
//!
//! The trace says, per `if`/`else if` condition tested, which condition chunk it was
//! and whether it held; the compiler's [`SourceMap`] says which source condition each
//! chunk is. A branch under a condition ran exactly when that condition held (the first
//! one that holds runs); the `else` ran exactly when the last condition was tested and
//! did not hold. So a branch is identified, in source and in the trace alike, by its
//! *witness*: a condition's location and the answer that enters the branch.

use std::collections::HashSet;

use crate::codegen::SourceMap;
use crate::source::Sources;
use crate::syntax::ast::{FileId, IfStmt, ProcItemKind, ProcedureDecl, Span, Stmt, StmtKind};
use crate::vm::BranchTaken;

/// Which arm of an `if` statement a branch is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arm {
    /// The body under the `if` condition.
    If,
    /// The body under an `else if` condition.
    ElseIf,
    /// The final `else` body.
    Else,
}

impl Arm {
    /// How the arm is written: `if`, `else if`, `else`.
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::If => "if",
            Arm::ElseIf => "else if",
            Arm::Else => "else",
        }
    }
}

/// One branch of an `if` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    /// Which arm it is.
    pub arm: Arm,
    /// The file of the statement.
    pub file: FileId,
    /// Where it is: its condition (`if`, `else if`) or its `else` keyword.
    pub span: Span,
}

impl Branch {
    /// `if branch at PATH:LINE (ARM)`.
    pub fn describe(&self, sources: &Sources) -> String {
        let (line, _) = sources.line_col(self.file, self.span.start);
        format!(
            "if branch at {}:{line} ({})",
            sources.get(self.file).path,
            self.arm.as_str()
        )
    }
}

/// A condition's location and the answer that enters a branch.
pub(super) type Witness = (FileId, Span, bool);

/// Every branch of every `if` in `procedure`'s outcome blocks (nested ones included),
/// in source order, each with its witness.
pub(super) fn if_branches(procedure: &ProcedureDecl, file: FileId) -> Vec<(Branch, Witness)> {
    let mut found = Vec::new();
    for item in &procedure.items {
        if let ProcItemKind::OnSuccess(stmts)
        | ProcItemKind::OnFailure(stmts)
        | ProcItemKind::OnDenied(stmts)
        | ProcItemKind::OnCancelled(stmts) = &item.kind
        {
            statements(stmts, file, &mut found);
        }
    }
    found
}

fn statements(stmts: &[Stmt], file: FileId, found: &mut Vec<(Branch, Witness)>) {
    for stmt in stmts {
        if let StmtKind::If(if_stmt) = &stmt.kind {
            if_statement(if_stmt, file, found);
        }
    }
}

fn if_statement(stmt: &IfStmt, file: FileId, found: &mut Vec<(Branch, Witness)>) {
    for (i, branch) in stmt.branches.iter().enumerate() {
        let span = branch.cond.span.clone();
        let arm = if i == 0 { Arm::If } else { Arm::ElseIf };
        let witness = (file, span.clone(), true);
        found.push((Branch { arm, file, span }, witness));
        statements(&branch.body, file, found);
    }
    if let (Some(otherwise), Some(last)) = (&stmt.otherwise, stmt.branches.last()) {
        let span = stmt
            .else_span
            .clone()
            .unwrap_or_else(|| last.cond.span.clone());
        let witness = (file, last.cond.span.clone(), false);
        found.push((
            Branch {
                arm: Arm::Else,
                file,
                span,
            },
            witness,
        ));
        statements(otherwise, file, found);
    }
}

/// The witnesses of the branches `trace` (of runs of the module `map` describes)
/// entered; tests of conditions that are not `if` conditions are ignored.
pub(super) fn entered<'a>(
    trace: impl IntoIterator<Item = &'a BranchTaken>,
    map: &SourceMap,
) -> HashSet<Witness> {
    trace
        .into_iter()
        .filter_map(|taken| {
            let (file, span) = map.if_condition(taken.cond)?;
            Some((file, span, taken.held))
        })
        .collect()
}
