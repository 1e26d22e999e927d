//! The outcome blocks of a procedure (`on success`, `on failure`, `on denied`,
//! `on cancelled`) and their statements: `say`, `save`, `offer`, `suggest`, `if` and
//! `then`; where `then` may stand; and the `then` hand-over graph, whose cycles are
//! errors (a customer's one click must never start an endless series of runs).

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::checker::Checker;
use super::codes;
use super::scope::Scope;
use super::symbols::Decl;
use super::types::{Ty, assignable};
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{Expr, FileId, Ident, Span, Stmt, StmtKind};

/// Which outcome block statements stand in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Block {
    /// `on success`.
    Success,
    /// `on failure`.
    Failure,
    /// `on denied`.
    Denied,
    /// `on cancelled`.
    Cancelled,
}

/// A `then` from one procedure to another, kept for the cycle check.
#[derive(Clone, Debug)]
pub(super) struct ThenEdge {
    /// The procedure whose outcome hands over.
    pub from: String,
    /// The procedure it hands over to, as written.
    pub to: Ident,
    /// The file the `then` is in.
    pub file: FileId,
}

impl<'a> Checker<'a> {
    /// Checks the statements of one outcome block of procedure `procedure`, and where
    /// its `then`s stand.
    pub(super) fn outcome_block(
        &mut self,
        procedure: &str,
        stmts: &[Stmt],
        scope: Scope<'_>,
        block: Block,
    ) {
        self.statements(procedure, stmts, scope, block);
        self.then_placement(scope.file, stmts, block);
    }

    fn statements(&mut self, procedure: &str, stmts: &[Stmt], scope: Scope<'_>, block: Block) {
        let file = scope.file;
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Say(template) => self.template(template, scope.at("`say`")),
                StmtKind::Suggest(template) => self.template(template, scope.at("`suggest`")),
                StmtKind::Save { var, value } => {
                    let accept = |d: &Decl<'_>| matches!(d, Decl::Var(_));
                    let target = self.lookup(file, var, "a conversation variable", accept);
                    let place = format!("`save {}`", var.name);
                    match target.and_then(|_| self.conv_types.get(&var.name).cloned()) {
                        Some(ty) => {
                            self.used.insert(var.name.clone());
                            self.expect(value, scope.at(&place), &ty);
                        }
                        None => {
                            self.expr(value, scope.at(&place));
                        }
                    }
                }
                StmtKind::Offer(target) => {
                    if self.procedure_named(file, target) {
                        self.offered.insert(target.name.clone());
                    }
                }
                StmtKind::Then(target) => {
                    if self.procedure_named(file, target) {
                        // A `then` makes its target reachable, like an `offer`.
                        self.offered.insert(target.name.clone());
                        if block != Block::Cancelled {
                            self.then_edges.push(ThenEdge {
                                from: procedure.to_string(),
                                to: target.clone(),
                                file,
                            });
                        }
                    }
                }
                StmtKind::If(stmt) => {
                    for branch in &stmt.branches {
                        self.if_condition(&branch.cond, scope.at("an `if` condition"));
                        self.statements(procedure, &branch.body, scope, block);
                    }
                    if let Some(otherwise) = &stmt.otherwise {
                        self.statements(procedure, otherwise, scope, block);
                    }
                }
            }
        }
    }

    fn procedure_named(&mut self, file: FileId, name: &Ident) -> bool {
        let accept = |d: &Decl<'_>| matches!(d, Decl::Procedure(_));
        self.lookup(file, name, "a procedure", accept).is_some()
    }

    /// An `if` condition: a `bool` (E0191 otherwise), not optional (E0111).
    fn if_condition(&mut self, cond: &Expr, scope: Scope<'_>) {
        let ty = self.expr(cond, scope);
        if ty.is_error() {
            return;
        }
        if !assignable(ty.non_optional(), &Ty::Bool) {
            self.diags.push(
                Diagnostic::error(
                    codes::IF_NOT_BOOL,
                    format!("an `if` condition must be a `bool`, found `{ty}`"),
                    scope.file,
                    cond.span.clone(),
                )
                .with_primary_label("not a `bool`")
                .with_help(
                    "compare it to get a `bool`, e.g. `x == \"...\"`, `n > 0` or `exists(x)`",
                ),
            );
        } else if ty.is_optional() {
            self.expect(cond, scope, &Ty::Bool);
        }
    }

    /// `then` ends its block: nothing may follow it, nor the `if` it stands in (E0194);
    /// and it may not stand in `on cancelled` (E0195). Returns whether `stmts` hold a
    /// `then` at any depth.
    fn then_placement(&mut self, file: FileId, stmts: &[Stmt], block: Block) -> bool {
        let mut ended_by: Option<&Span> = None;
        let mut reported = false;
        for stmt in stmts {
            if let (Some(then_span), false) = (ended_by, reported) {
                reported = true;
                self.diags.push(
                    Diagnostic::error(
                        codes::THEN_NOT_LAST,
                        "a statement follows a `then`",
                        file,
                        stmt.span.clone(),
                    )
                    .with_primary_label("runs after the hand-over was decided")
                    .with_label(file, then_span.clone(), "`then` ends its block here")
                    .with_help(
                        "move this statement before the `then` (and before the `if` that holds it)",
                    ),
                );
            }
            let holds_then = match &stmt.kind {
                StmtKind::Then(_) => {
                    if block == Block::Cancelled {
                        self.diags.push(
                            Diagnostic::error(
                                codes::THEN_IN_CANCELLED,
                                "`then` cannot stand in `on cancelled`",
                                file,
                                stmt.span.clone(),
                            )
                            .with_primary_label("a cancelled run never hands over")
                            .with_help("the customer is doing something else: `offer` the procedure instead"),
                        );
                    }
                    true
                }
                StmtKind::If(stmt) => {
                    let mut any = false;
                    for branch in &stmt.branches {
                        any |= self.then_placement(file, &branch.body, block);
                    }
                    if let Some(otherwise) = &stmt.otherwise {
                        any |= self.then_placement(file, otherwise, block);
                    }
                    any
                }
                _ => false,
            };
            if holds_then && ended_by.is_none() {
                ended_by = Some(&stmt.span);
            }
        }
        ended_by.is_some()
    }

    /// Reports every `then` cycle once, showing the whole chain (E0193).
    pub(super) fn then_cycles(&mut self) {
        let mut index: FxHashMap<&str, NodeIndex> = FxHashMap::default();
        let mut graph: DiGraph<&str, usize> = DiGraph::new();
        let edges = std::mem::take(&mut self.then_edges);
        for (i, edge) in edges.iter().enumerate() {
            let from = *index
                .entry(edge.from.as_str())
                .or_insert_with(|| graph.add_node(edge.from.as_str()));
            let to = *index
                .entry(edge.to.name.as_str())
                .or_insert_with(|| graph.add_node(edge.to.name.as_str()));
            graph.add_edge(from, to, i);
        }
        let mut cycles: Vec<Vec<usize>> = Vec::new();
        for component in tarjan_scc(&graph) {
            let start = component[0];
            let looped = component.len() > 1 || graph.find_edge(start, start).is_some();
            if looped {
                cycles.push(cycle_edges(&graph, &component));
            }
        }
        // Report in source order of each cycle's first `then`.
        cycles.sort_by_key(|c| c.first().map(|&e| (edges[e].file, edges[e].to.span.start)));
        for cycle in cycles {
            self.diags.push(then_cycle_diagnostic(&edges, &cycle));
        }
        self.then_edges = edges;
    }
}

/// The edges (indexes into the `then` list) of one cycle through a strongly connected
/// component, starting at the `then` written first.
fn cycle_edges(graph: &DiGraph<&str, usize>, component: &[NodeIndex]) -> Vec<usize> {
    let inside = |n: NodeIndex| component.contains(&n);
    let first_edge = component
        .iter()
        .flat_map(|&n| graph.edges(n))
        .filter(|e| inside(e.target()))
        .min_by_key(|e| *e.weight());
    let Some(first_edge) = first_edge else {
        return Vec::new();
    };
    let start = first_edge.source();
    // Shortest way back from the first edge's target to its source (breadth first).
    let mut parent: FxHashMap<NodeIndex, (NodeIndex, usize)> = FxHashMap::default();
    let mut queue = VecDeque::from([first_edge.target()]);
    let mut found = first_edge.target() == start;
    while let (Some(node), false) = (queue.pop_front(), found) {
        for e in graph.edges(node).filter(|e| inside(e.target())) {
            let next = e.target();
            if next == first_edge.target() || parent.contains_key(&next) {
                continue;
            }
            parent.insert(next, (node, *e.weight()));
            if next == start {
                found = true;
                break;
            }
            queue.push_back(next);
        }
    }
    let mut back = Vec::new();
    let mut at = start;
    while at != first_edge.target() {
        let Some(&(prev, edge)) = parent.get(&at) else {
            break;
        };
        back.push(edge);
        at = prev;
    }
    back.reverse();
    let mut cycle = vec![*first_edge.weight()];
    cycle.extend(back);
    cycle
}

fn then_cycle_diagnostic(edges: &[ThenEdge], cycle: &[usize]) -> Diagnostic {
    let chain: Vec<String> = cycle
        .iter()
        .map(|&e| format!("`{}`", edges[e].from))
        .chain(cycle.first().map(|&e| format!("`{}`", edges[e].from)))
        .collect();
    let first = &edges[cycle[0]];
    let mut diag = Diagnostic::error(
        codes::THEN_CYCLE,
        format!(
            "`then` hand-overs come back to a procedure: {}",
            chain.join(" → ")
        ),
        first.file,
        first.to.span.clone(),
    )
    .with_primary_label(format!(
        "`{}` hands over to `{}`",
        first.from, first.to.name
    ));
    for &e in &cycle[1..] {
        let edge = &edges[e];
        diag = diag.with_label(
            edge.file,
            edge.to.span.clone(),
            format!("`{}` hands over to `{}`", edge.from, edge.to.name),
        );
    }
    diag.with_help("one click must not start runs forever: replace one `then` by `offer`, which lets the customer choose")
}
