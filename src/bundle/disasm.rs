//! A readable rendering of a module, for `procc inspect`: a summary (counts; procedures
//! with kind, flags, triggers and collection order; variables with dependencies), then
//! every chunk's instructions with operands resolved to names and source `file:line`.
//! [`to_json`] gives the same content as JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::verify::roles;
use crate::codegen::isa::{Chunk, Instr};
use crate::codegen::module::{DepKind, Module, ProcDef};

/// The text disassembly.
pub fn disassemble(m: &Module) -> String {
    let mut out = String::new();
    let _ = render(m, &mut out);
    out
}

fn render(m: &Module, out: &mut String) -> std::fmt::Result {
    writeln!(
        out,
        "bundle: {} procedures, {} variables, {} types, {} chunks, {} instructions, {} strings, {} constants",
        m.procedures.len(),
        m.vars.len(),
        m.types.len(),
        m.chunks.len(),
        m.chunks.iter().map(|c| c.code.len()).sum::<usize>(),
        m.strings.len(),
        m.consts.len()
    )?;
    if !m.files.is_empty() {
        writeln!(out, "files: {}", m.files.join(", "))?;
    }
    writeln!(out, "\nprocedures:")?;
    for (i, p) in m.procedures.iter().enumerate() {
        let mut flags = vec![p.kind.as_str().to_string()];
        if p.irreversible {
            flags.push("irreversible".into());
        }
        if p.escalation {
            flags.push("escalation".into());
        }
        writeln!(out, "  {}: {}", p.name, flags.join(", "))?;
        let triggers = triggers_of(m, i as u32);
        if !triggers.is_empty() {
            writeln!(out, "    triggers: {}", triggers.join(", "))?;
        }
        if !p.audiences.is_empty() {
            let names: Vec<_> = p.audiences.iter().map(|a| audience(m, *a)).collect();
            writeln!(out, "    audiences: {}", names.join(", "))?;
        }
        let then = then_of(m, p);
        if !then.is_empty() {
            writeln!(out, "    then: {}", then.join(", "))?;
        }
        let order: Vec<_> = p.collects.iter().map(|v| var(m, *v)).collect();
        writeln!(
            out,
            "    collects: {}",
            if order.is_empty() {
                "nothing".into()
            } else {
                order.join(" -> ")
            }
        )?;
        let requires = requirement_places(m, p);
        if !requires.is_empty() {
            writeln!(out, "    requires: {}", requires.join(", "))?;
        }
    }
    if !m.vars.is_empty() {
        writeln!(out, "\nvariables:")?;
        for v in &m.vars {
            let ty = m.type_display(v.ty);
            let owner = match v.owner {
                Some(p) => format!(" (local to {})", procedure(m, p)),
                None => String::new(),
            };
            let deps: Vec<_> = v
                .deps
                .iter()
                .map(|d| format!("{} ({})", var(m, d.var), dep_kind(d.kind)))
                .collect();
            let opt = if v.optional { "?" } else { "" };
            write!(out, "  {}: {ty}{opt}{owner}", v.name)?;
            if !deps.is_empty() {
                write!(out, ", depends on {}", deps.join(", "))?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out, "\ncode:")?;
    let uses = roles::uses(m);
    for (ci, chunk) in m.chunks.iter().enumerate() {
        let names: Vec<_> = uses
            .iter()
            .filter(|u| u.chunk as usize == ci)
            .map(|u| u.place.describe(m))
            .collect();
        let file = m
            .files
            .get(chunk.file as usize)
            .map(String::as_str)
            .unwrap_or("?");
        writeln!(
            out,
            "  chunk {ci}: {} [{file}]",
            if names.is_empty() {
                "unused".into()
            } else {
                names.join("; ")
            }
        )?;
        for (pc, instr) in chunk.code.iter().enumerate() {
            let text = instruction(m, instr);
            match line_of(chunk, pc as u32) {
                Some(line) => writeln!(out, "    {pc:>4}  {text:<48} ; {file}:{line}")?,
                None => writeln!(out, "    {pc:>4}  {text}")?,
            }
        }
    }
    Ok(())
}

/// The JSON disassembly: `{summary, procedures, variables, chunks}`.
pub fn to_json(m: &Module) -> Value {
    let uses = roles::uses(m);
    let procedures: Vec<Value> = m
        .procedures
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "name": p.name,
                "kind": p.kind.as_str(),
                "irreversible": p.irreversible,
                "escalation": p.escalation,
                "triggers": triggers_of(m, i as u32),
                "audiences": p.audiences.iter().map(|a| audience(m, *a)).collect::<Vec<_>>(),
                "collects": p.collects.iter().map(|v| var(m, *v)).collect::<Vec<_>>(),
                "then": then_of(m, p),
                "requires": requirement_places(m, p),
                "body": p.body,
                "outcomes": {
                    "failure": p.outcomes.failure,
                    "denied": p.outcomes.denied,
                    "cancelled": p.outcomes.cancelled,
                },
            })
        })
        .collect();
    let variables: Vec<Value> = m
        .vars
        .iter()
        .map(|v| {
            json!({
                "name": v.name,
                "type": m.types.get(v.ty as usize).map(|_| m.type_display(v.ty)),
                "optional": v.optional,
                "owner": v.owner.map(|p| procedure(m, p)),
                "deps": v.deps.iter().map(|d| json!({"var": var(m, d.var), "kind": dep_kind(d.kind)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let chunks: Vec<Value> = m
        .chunks
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let code: Vec<Value> = c
                .code
                .iter()
                .enumerate()
                .map(|(pc, i)| json!({"at": pc, "instr": instruction(m, i), "line": line_of(c, pc as u32)}))
                .collect();
            json!({
                "index": ci,
                "uses": uses.iter().filter(|u| u.chunk as usize == ci).map(|u| u.place.describe(m)).collect::<Vec<_>>(),
                "file": m.files.get(c.file as usize),
                "code": code,
            })
        })
        .collect();
    json!({
        "summary": {
            "procedures": m.procedures.len(),
            "variables": m.vars.len(),
            "types": m.types.len(),
            "chunks": m.chunks.len(),
            "instructions": m.chunks.iter().map(|c| c.code.len()).sum::<usize>(),
            "strings": m.strings.len(),
            "constants": m.consts.len(),
            "files": m.files,
        },
        "procedures": procedures,
        "variables": variables,
        "chunks": chunks,
    })
}

/// The procedures a procedure hands over to with `then`, each once, in code order.
fn then_of(m: &Module, p: &ProcDef) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for next in super::verify::then::hand_overs(m, p) {
        let name = procedure(m, next);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The source line of an instruction: that of the last source-map entry at or before it.
pub fn line_of(chunk: &Chunk, pc: u32) -> Option<u32> {
    chunk
        .lines
        .iter()
        .take_while(|(at, _)| *at <= pc)
        .last()
        .map(|(_, line)| *line)
}

/// Where each of a procedure's requirements is checked, read from its body: `#1 first`
/// (before anything is collected) or `#2 after day` (right after that variable).
fn requirement_places(m: &Module, p: &crate::codegen::module::ProcDef) -> Vec<String> {
    let code = m
        .chunks
        .get(p.body as usize)
        .map_or(&[][..], |c| &c.code[..]);
    let mut last = None;
    let mut places = Vec::new();
    for instr in code {
        match *instr {
            Instr::Collect(v) => last = Some(v),
            Instr::Require(i) => places.push(match last {
                None => format!("#{} first", u64::from(i) + 1),
                Some(v) => format!("#{} after {}", u64::from(i) + 1, var(m, v)),
            }),
            _ => {}
        }
    }
    places
}

fn triggers_of(m: &Module, p: u32) -> Vec<String> {
    let t = &m.triggers;
    let mut out = Vec::new();
    for (name, list) in [
        ("always", &t.always),
        ("negative_feedback", &t.negative_feedback),
        ("unanswered", &t.unanswered),
    ] {
        if list.contains(&p) {
            out.push(name.to_string());
        }
    }
    for (i, list) in t.by_source.iter().enumerate() {
        if list.contains(&p) {
            out.push(format!(
                "source {}",
                m.sources.get(i).map(|k| k.name.as_str()).unwrap_or("?")
            ));
        }
    }
    for (i, list) in t.by_faq.iter().enumerate() {
        if list.contains(&p) {
            out.push(format!(
                "faq {}",
                m.faqs.get(i).map(|k| k.name.as_str()).unwrap_or("?")
            ));
        }
    }
    out
}

fn dep_kind(k: DepKind) -> &'static str {
    match k {
        DepKind::Prompt => "prompt",
        DepKind::Guard => "guard",
    }
}

fn name_or(name: Option<&str>, fallback: u32) -> String {
    name.map(str::to_string)
        .unwrap_or_else(|| format!("#{fallback}?"))
}

fn var(m: &Module, i: u32) -> String {
    name_or(m.vars.get(i as usize).map(|v| v.name.as_str()), i)
}

fn procedure(m: &Module, i: u32) -> String {
    name_or(m.procedures.get(i as usize).map(|p| p.name.as_str()), i)
}

fn audience(m: &Module, i: u32) -> String {
    name_or(m.audiences.get(i as usize).map(|a| a.name.as_str()), i)
}

fn string(m: &Module, i: u32) -> String {
    match m.strings.get(i as usize) {
        Some(s) => format!("{s:?}"),
        None => format!("#{i}?"),
    }
}

/// One instruction with its operands resolved.
pub fn instruction(m: &Module, instr: &Instr) -> String {
    match *instr {
        Instr::Const(i) => match m.consts.get(i as usize) {
            Some(c) => format!("Const {c:?}"),
            None => format!("Const #{i}?"),
        },
        Instr::Str(i) => format!("Str {}", string(m, i)),
        Instr::LoadVar(v) => format!("LoadVar {}", var(m, v)),
        Instr::LoadCustomer(i) => {
            format!(
                "LoadCustomer {}",
                name_or(m.customer.get(i as usize).map(|f| f.name.as_str()), i)
            )
        }
        Instr::LoadSecret(i) => {
            format!(
                "LoadSecret {}",
                name_or(m.secrets.get(i as usize).map(String::as_str), i)
            )
        }
        Instr::GetField(i) => format!("GetField {}", string(m, i)),
        Instr::Matches(i) => format!("Matches {}", string(m, i)),
        Instr::Collect(v) => format!("Collect {}", var(m, v)),
        Instr::Save(v) => format!("Save {}", var(m, v)),
        Instr::Offer(p) => format!("Offer {}", procedure(m, p)),
        Instr::Require(i) => format!("Require #{}", u64::from(i) + 1),
        Instr::OpenComponent(i) => {
            format!(
                "OpenComponent {}",
                name_or(m.components.get(i as usize).map(|c| c.name.as_str()), i)
            )
        }
        Instr::SwitchTopic(i) => {
            format!(
                "SwitchTopic {}",
                name_or(m.topics.get(i as usize).map(|c| c.name.as_str()), i)
            )
        }
        Instr::Javascript(i) => format!("Javascript {}", string(m, i)),
        Instr::Approve(by) => format!("Approve by {}", by.as_str()),
        Instr::Request(spec) => format!(
            "Request {} timeout {}ms retry {}",
            spec.method.as_str(),
            spec.timeout_ms,
            spec.retry
        ),
        Instr::Done(o) => format!("Done {}", o.as_str()),
        Instr::Then(p) => format!("Then {}", procedure(m, p)),
        Instr::Fail(reason) => format!("Fail {}", reason.as_str()),
        Instr::JumpUnless { cond, target } => format!("JumpUnless chunk {cond} else {target}"),
        other => format!("{other:?}"),
    }
}
