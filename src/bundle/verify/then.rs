//! Rule 4 across runs: `then` hands a finished run over to another procedure, so the
//! hand-overs must not form a cycle, or one click could start runs forever. The graph has
//! an edge P → Q for every `Then(Q)` in P's body or outcome chunks (every `then`, on any
//! path, counts).

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};

use super::error::{Rule, VerifyError};
use crate::codegen::isa::{Instr, ProcId};
use crate::codegen::module::{Module, ProcDef};

/// The procedures a procedure's `then`s name, in code order (body, `on failure`,
/// `on denied`; `on cancelled` may hold none), possibly repeated.
pub(crate) fn hand_overs<'m>(m: &'m Module, p: &ProcDef) -> impl Iterator<Item = ProcId> + 'm {
    let chunks = [Some(p.body), p.outcomes.failure, p.outcomes.denied];
    chunks
        .into_iter()
        .flatten()
        .filter_map(|c| m.chunks.get(c as usize))
        .flat_map(|c| c.code.iter())
        .filter_map(|instr| match *instr {
            Instr::Then(next) => Some(next),
            _ => None,
        })
}

/// Refuses `then` chains that can come back to a procedure.
pub(crate) fn check_then_chains(m: &Module) -> Result<(), VerifyError> {
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(m.procedures.len(), 0);
    for _ in &m.procedures {
        graph.add_node(());
    }
    for (pi, p) in m.procedures.iter().enumerate() {
        // Indexes were checked by the structure pass; out-of-range ones are skipped.
        for next in hand_overs(m, p).filter(|&next| (next as usize) < m.procedures.len()) {
            graph.add_edge(NodeIndex::new(pi), NodeIndex::new(next as usize), ());
        }
    }
    match toposort(&graph, None) {
        Ok(_) => Ok(()),
        Err(cycle) => {
            let name = m
                .procedures
                .get(cycle.node_id().index())
                .map_or("?", |p| p.name.as_str());
            Err(VerifyError::table(
                Rule::ThenCycle,
                format!("procedure `{name}`"),
                "its `then` hand-overs can come back to it",
            ))
        }
    }
}
