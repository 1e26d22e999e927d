//! Rule 2: in an irreversible procedure, every effect instruction is dominated by an
//! `Approve` in the body's control-flow graph.
//!
//! `Approve` continues to the next instruction only when the approval is granted (a
//! denial ends the run), so an effect dominated by an `Approve` node runs only after a
//! granted approval on every path. Two approvals on two branches that later meet do not
//! dominate the effect on their own; such a body is refused (the compiler always emits
//! one approval before the action). Every effect of an irreversible procedure counts as
//! irreversible, whatever its kind or HTTP method: the author marked the whole procedure.

use petgraph::algo::dominators::simple_fast;
use petgraph::graph::{DiGraph, NodeIndex};

use super::error::{Rule, VerifyError};
use super::{ChunkCtx, effect_kind};
use crate::codegen::isa::Instr;

/// The chunk's control-flow graph: one node per instruction, node `i` is instruction `i`.
fn cfg(code: &[Instr]) -> DiGraph<(), ()> {
    let mut g = DiGraph::with_capacity(code.len(), code.len() * 2);
    for _ in code {
        g.add_node(());
    }
    let n = code.len();
    let mut edge = |from: usize, to: usize| {
        if to < n {
            g.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
    };
    for (pc, instr) in code.iter().enumerate() {
        match *instr {
            Instr::Jump(t) => edge(pc, t as usize),
            Instr::JumpIfFalse(t)
            | Instr::JumpIfFalseKeep(t)
            | Instr::JumpIfTrueKeep(t)
            | Instr::JumpIfPresent(t)
            | Instr::JumpIfFailed(t) => {
                edge(pc, t as usize);
                edge(pc, pc + 1);
            }
            Instr::Return | Instr::Done(_) => {}
            _ => edge(pc, pc + 1),
        }
    }
    g
}

/// Checks rule 2 for the body of an irreversible procedure.
pub(crate) fn check_approval(cx: &ChunkCtx<'_>) -> Result<(), VerifyError> {
    if cx.code.is_empty() {
        return Ok(());
    }
    let g = cfg(cx.code);
    let doms = simple_fast(&g, NodeIndex::new(0));
    let reachable = |i: usize| i == 0 || doms.immediate_dominator(NodeIndex::new(i)).is_some();
    let approved = cx
        .code
        .iter()
        .enumerate()
        .any(|(i, instr)| matches!(instr, Instr::Approve(_)) && reachable(i));
    if !approved {
        return Err(cx.err(
            Rule::MissingApproval,
            0,
            "an irreversible procedure has no approval step",
        ));
    }
    for (pc, instr) in cx.code.iter().enumerate() {
        if effect_kind(instr).is_none() || !reachable(pc) {
            continue;
        }
        let dominated = doms
            .strict_dominators(NodeIndex::new(pc))
            .is_some_and(|mut ds| {
                ds.any(|d| matches!(cx.code.get(d.index()), Some(Instr::Approve(_))))
            });
        if !dominated {
            return Err(cx.err(
                Rule::UnapprovedEffect,
                pc as u32,
                "an effect of an irreversible procedure can run without a granted approval",
            ));
        }
    }
    Ok(())
}
