//! `procc test --coverage`: per procedure, the coverage points it has (each outcome it
//! can reach) and whether any test reached each.
//!
//! A point is a [`Target`]: an outcome, or a branch of an `if` (see [`super::branches`]).
//! Each kind has its own static discovery and its own reach record; the report treats
//! them alike.

use std::collections::{HashMap, HashSet};

use crate::syntax::ast::{
    FileId, ItemKind, ProcItemKind, ProcedureDecl, SourceFile, Span, TypeExprKind, VarDecl,
    VarItemKind,
};

use super::TestResult;
use super::branches::{Branch, entered, if_branches};
use crate::codegen::SourceMap;
use crate::source::Sources;

/// What a coverage point stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The procedure ends with this outcome (`completed`, `failed`, `denied`,
    /// `cancelled`).
    Outcome(&'static str),
    /// A branch of an `if` in one of its outcome blocks runs.
    Branch(Branch),
}

impl Target {
    /// How the point is named in reports, e.g. `outcome denied` or
    /// `if branch at p.proc:12 (else)` (`sources` locates branches).
    pub fn describe(&self, sources: &Sources) -> String {
        match self {
            Target::Outcome(outcome) => format!("outcome {outcome}"),
            Target::Branch(branch) => branch.describe(sources),
        }
    }
}

/// One coverage point and whether a test reached it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    /// What it stands for.
    pub target: Target,
    /// Whether any test (passing or failing) reached it.
    pub reached: bool,
}

/// The coverage of one procedure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcedureCoverage {
    /// The procedure's name.
    pub procedure: String,
    /// Its file.
    pub file: FileId,
    /// Its declaration.
    pub span: Span,
    /// Its points: outcomes in the order completed, failed, denied, cancelled, then
    /// its `if` branches in source order.
    pub points: Vec<Point>,
}

impl ProcedureCoverage {
    /// The points no test reached.
    pub fn missed(&self) -> impl Iterator<Item = &Point> {
        self.points.iter().filter(|point| !point.reached)
    }
}

/// The coverage of every procedure of `files` (the user's files) by `results`, whose
/// runs are of the module `map` describes.
pub fn coverage(
    files: &[SourceFile],
    results: &[TestResult],
    map: &SourceMap,
) -> Vec<ProcedureCoverage> {
    let conversation_vars: HashMap<&str, &VarDecl> = files
        .iter()
        .flat_map(|file| &file.items)
        .filter_map(|item| match &item.kind {
            ItemKind::Var(var) => Some((var.name.name.as_str(), var)),
            _ => None,
        })
        .collect();
    let reached: HashSet<(&str, &str)> = results
        .iter()
        .flat_map(|result| &result.finished)
        .map(|(procedure, outcome)| (procedure.as_str(), outcome.as_str()))
        .collect();
    let branches_entered = entered(results.iter().flat_map(|result| &result.branches), map);
    let mut report = Vec::new();
    for file in files {
        for item in &file.items {
            let ItemKind::Procedure(procedure) = &item.kind else {
                continue;
            };
            let name = procedure.name.name.as_str();
            let outcomes = reachable_outcomes(procedure, &conversation_vars)
                .into_iter()
                .map(|outcome| Point {
                    target: Target::Outcome(outcome),
                    reached: reached.contains(&(name, outcome)),
                });
            let branches = if_branches(procedure, file.id)
                .into_iter()
                .map(|(branch, witness)| Point {
                    target: Target::Branch(branch),
                    reached: branches_entered.contains(&witness),
                });
            let points = outcomes.chain(branches).collect();
            report.push(ProcedureCoverage {
                procedure: name.to_string(),
                file: file.id,
                span: item.span.clone(),
                points,
            });
        }
    }
    report
}

/// The kinds whose action waits for a result that may fail (and may be cancelled while
/// it is pending).
const WAITING_KINDS: &[&str] = &["component", "api_call", "javascript", "live_chat"];

/// The outcomes a procedure can end with, judged from its declaration:
/// `completed` always; `denied` when it asks an approval; `failed` when its action waits
/// for a result that may fail, or it collects a variable whose answer can be refused
/// (a type other than `text`, or a `check`) until its attempts run out; `cancelled` when
/// it ever waits (a variable, an approval, a result), since the customer may cancel then.
pub fn reachable_outcomes(
    procedure: &ProcedureDecl,
    conversation_vars: &HashMap<&str, &VarDecl>,
) -> Vec<&'static str> {
    let waits_for_result = WAITING_KINDS.contains(&procedure.kind.name.as_str());
    let mut approves = false;
    let mut collects = false;
    let mut refusable = false;
    for item in &procedure.items {
        match &item.kind {
            ProcItemKind::Approve { .. } => approves = true,
            ProcItemKind::Var(var) => {
                collects |= asks(var);
                refusable |= can_refuse(var);
            }
            ProcItemKind::Needs(names) => {
                for var in names
                    .iter()
                    .filter_map(|name| conversation_vars.get(name.name.as_str()))
                {
                    collects |= asks(var);
                    refusable |= can_refuse(var);
                }
            }
            _ => {}
        }
    }
    let mut outcomes = vec!["completed"];
    if waits_for_result || refusable {
        outcomes.push("failed");
    }
    if approves {
        outcomes.push("denied");
    }
    if waits_for_result || approves || collects {
        outcomes.push("cancelled");
    }
    outcomes
}

/// Whether collecting `var` may ask the customer.
fn asks(var: &VarDecl) -> bool {
    var.items
        .iter()
        .any(|item| matches!(item.kind, VarItemKind::Ask(_)))
}

/// Whether an answer for `var` can be refused: its type parses (anything but `text`)
/// or it has a `check`.
fn can_refuse(var: &VarDecl) -> bool {
    let plain_text = matches!(&var.ty.kind, TypeExprKind::Named(name) if name.name == "text");
    asks(var)
        && (!plain_text
            || var
                .items
                .iter()
                .any(|item| matches!(item.kind, VarItemKind::Check { .. })))
}
