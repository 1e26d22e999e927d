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

/// The chunk's control-flow graph over basic blocks: node `b` is the run of instructions
/// from `starts[b]` up to the next start; `block_of[pc]` is the block of instruction `pc`.
/// Blocks rather than single instructions keep the graph, and so the dominator
/// computation, several times smaller.
struct BlockGraph {
    graph: DiGraph<(), ()>,
    starts: Vec<usize>,
    block_of: Vec<u32>,
}

/// Where an instruction may continue: its jump target, and the next instruction unless
/// it only jumps or ends the run.
fn successors(instr: &Instr) -> (Option<usize>, bool) {
    let target = instr.jump_target().map(|t| t as usize);
    let falls_through = !matches!(instr, Instr::Jump(_) | Instr::Return | Instr::Done(_));
    (target, falls_through)
}

fn block_graph(code: &[Instr]) -> BlockGraph {
    let n = code.len();
    // A block starts at 0, at every jump target, and after every jump or end.
    let mut starts_here = vec![false; n];
    if let Some(first) = starts_here.first_mut() {
        *first = true;
    }
    for (pc, instr) in code.iter().enumerate() {
        let (target, falls_through) = successors(instr);
        if let Some(t) = target.filter(|&t| t < n) {
            starts_here[t] = true;
        }
        if (target.is_some() || !falls_through) && pc + 1 < n {
            starts_here[pc + 1] = true;
        }
    }
    let mut block_of = Vec::with_capacity(n);
    let mut starts = Vec::new();
    for (pc, &start) in starts_here.iter().enumerate() {
        if start {
            starts.push(pc);
        }
        block_of.push(starts.len() as u32 - 1);
    }
    let blocks = starts.len() as u32;
    let mut graph = DiGraph::with_capacity(blocks as usize, blocks as usize * 2);
    for _ in 0..blocks {
        graph.add_node(());
    }
    for (pc, instr) in code.iter().enumerate() {
        let ends_block = pc + 1 == n || starts_here[pc + 1];
        if !ends_block {
            continue;
        }
        let from = NodeIndex::new(block_of[pc] as usize);
        let (target, falls_through) = successors(instr);
        let next = falls_through.then_some(pc + 1);
        for to in [target, next].into_iter().flatten().filter(|&t| t < n) {
            graph.add_edge(from, NodeIndex::new(block_of[to] as usize), ());
        }
    }
    BlockGraph {
        graph,
        starts,
        block_of,
    }
}

/// Checks rule 2 for the body of an irreversible procedure.
pub(crate) fn check_approval(cx: &ChunkCtx<'_>) -> Result<(), VerifyError> {
    if cx.code.is_empty() {
        return Ok(());
    }
    let BlockGraph {
        graph,
        starts,
        block_of,
    } = block_graph(cx.code);
    let doms = simple_fast(&graph, NodeIndex::new(0));
    let block = |pc: usize| NodeIndex::new(block_of[pc] as usize);
    let reachable = |pc: usize| block_of[pc] == 0 || doms.immediate_dominator(block(pc)).is_some();
    let is_approve = |pc: usize| matches!(cx.code.get(pc), Some(Instr::Approve(_)));
    // Blocks holding a reachable approval: everything they dominate runs after it.
    let mut approving = vec![false; graph.node_count()];
    for pc in (0..cx.code.len()).filter(|&pc| is_approve(pc) && reachable(pc)) {
        approving[block_of[pc] as usize] = true;
    }
    if !approving.contains(&true) {
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
        let approved_in_block = (starts[block_of[pc] as usize]..pc).any(is_approve);
        let approved_before = doms
            .strict_dominators(block(pc))
            .is_some_and(|mut ds| ds.any(|d| approving[d.index()]));
        if !approved_in_block && !approved_before {
            return Err(cx.err(
                Rule::UnapprovedEffect,
                pc as u32,
                "an effect of an irreversible procedure can run without a granted approval",
            ));
        }
    }
    Ok(())
}
