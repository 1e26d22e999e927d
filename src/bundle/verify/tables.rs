//! Table checks: every index outside bytecode is in range, the built-in types are intact,
//! type parent chains and variable dependencies have no cycles, the trigger index is
//! well formed.

use super::error::{Rule, VerifyError};
use crate::codegen::module::{
    BaseType, CheckDef, FieldDef, Module, Shape, TriggerIndex, TypeDef, builtin_type_defs,
};

/// Checks an index against a table length.
pub(crate) fn in_range(
    index: u32,
    len: usize,
    what: &str,
    place: impl FnOnce() -> String,
) -> Result<(), VerifyError> {
    if (index as usize) < len {
        Ok(())
    } else {
        Err(VerifyError::table(
            Rule::IndexOutOfRange,
            place(),
            format!("{what} index {index} is out of range (the table has {len})"),
        ))
    }
}

/// Runs every table check.
pub(crate) fn check_tables(m: &Module) -> Result<(), VerifyError> {
    check_types(m)?;
    check_fields(m, &m.customer, || "the customer schema".to_string())?;
    for c in &m.components {
        let place = || format!("component `{}`", c.name);
        check_fields(m, &c.input, place)?;
        check_fields(m, &c.output, place)?;
    }
    for a in &m.audiences {
        in_range(a.cond, m.chunks.len(), "chunk", || {
            format!("audience `{}`", a.name)
        })?;
    }
    check_vars(m)?;
    check_procedures(m)?;
    check_triggers(m, &m.triggers)?;
    for (i, chunk) in m.chunks.iter().enumerate() {
        let place = || format!("chunk {i}");
        in_range(chunk.file, m.files.len(), "file", place)?;
        let mut last: Option<u32> = None;
        for &(at, _line) in &chunk.lines {
            let ordered = last.is_none_or(|l| at > l);
            if !ordered || at as usize >= chunk.code.len() {
                return Err(VerifyError::table(
                    Rule::MalformedTable,
                    place(),
                    format!("source map entry for instruction {at} is out of order or range"),
                ));
            }
            last = Some(at);
        }
    }
    Ok(())
}

fn check_check(
    m: &Module,
    check: &CheckDef,
    place: impl Fn() -> String,
) -> Result<(), VerifyError> {
    in_range(check.cond, m.chunks.len(), "chunk", &place)?;
    in_range(check.message, m.chunks.len(), "chunk", &place)
}

fn check_fields(
    m: &Module,
    fields: &[FieldDef],
    place: impl Fn() -> String,
) -> Result<(), VerifyError> {
    for f in fields {
        in_range(f.ty, m.types.len(), "type", || {
            format!("{} (field `{}`)", place(), f.name)
        })?;
    }
    Ok(())
}

fn check_types(m: &Module) -> Result<(), VerifyError> {
    for (i, builtin) in builtin_type_defs().iter().enumerate() {
        let ok = m.types.get(i).is_some_and(|t| t == builtin);
        if !ok {
            return Err(VerifyError::table(
                Rule::BuiltinTypes,
                "the type table",
                format!(
                    "built-in type `{}` is missing or altered at index {i}",
                    builtin.name
                ),
            ));
        }
    }
    for (i, t) in m.types.iter().enumerate() {
        let place = || format!("type `{}`", t.name);
        check_shape(i, t, place)?;
        if let Some(p) = t.parent {
            in_range(p, m.types.len(), "type", place)?;
            let parent_base = m.types.get(p as usize).map(|p| p.base);
            if parent_base != Some(t.base) {
                return Err(VerifyError::table(
                    Rule::TypeChain,
                    place(),
                    "a refinement's base differs from its parent's",
                ));
            }
        }
        if !t.choices.is_empty() && t.base != BaseType::Text {
            return Err(VerifyError::table(
                Rule::TypeChain,
                place(),
                "a one_of type must be text",
            ));
        }
        if let Some(c) = &t.check {
            check_check(m, c, place)?;
        }
    }
    // Parent chains: colour each type; a chain that meets a type still being walked loops.
    let mut state = vec![0u8; m.types.len()];
    for start in 0..m.types.len() {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state.get(i).copied() {
                Some(0) => {
                    state[i] = 1;
                    path.push(i);
                    at = m.types.get(i).and_then(|t| t.parent).map(|p| p as usize);
                }
                Some(1) => {
                    let name = m.types.get(i).map(|t| t.name.as_str()).unwrap_or("?");
                    return Err(VerifyError::table(
                        Rule::TypeChain,
                        format!("type `{name}`"),
                        "the chain of parent types loops",
                    ));
                }
                _ => break,
            }
        }
        for i in path {
            state[i] = 2;
        }
    }
    Ok(())
}

/// A list or record shape refers only to types listed before it (so shapes never
/// loop), has the `json` base and is neither a refinement nor a `one_of`.
fn check_shape(
    index: usize,
    t: &TypeDef,
    place: impl Fn() -> String + Copy,
) -> Result<(), VerifyError> {
    let refs: Vec<u32> = match &t.shape {
        Shape::Scalar => return Ok(()),
        Shape::List(item) => vec![*item],
        Shape::Record(fields) => fields.iter().map(|f| f.ty).collect(),
    };
    if t.base != BaseType::Json || t.parent.is_some() || !t.choices.is_empty() {
        return Err(VerifyError::table(
            Rule::TypeChain,
            place(),
            "a list or record shape must be a plain `json` type",
        ));
    }
    if refs.iter().any(|&r| r as usize >= index) {
        return Err(VerifyError::table(
            Rule::TypeChain,
            place(),
            "a list or record shape refers to a type that is not listed before it",
        ));
    }
    Ok(())
}

fn check_vars(m: &Module) -> Result<(), VerifyError> {
    for v in &m.vars {
        let place = || format!("variable `{}`", v.name);
        in_range(v.ty, m.types.len(), "type", place)?;
        if let Some(owner) = v.owner {
            in_range(owner, m.procedures.len(), "procedure", place)?;
        }
        let items = [v.choices, v.suggestions, v.invalid];
        for chunk in [v.ask, v.when, v.default]
            .into_iter()
            .chain(items)
            .flatten()
        {
            in_range(chunk, m.chunks.len(), "chunk", place)?;
        }
        for c in &v.checks {
            check_check(m, c, place)?;
        }
        if v.attempts == 0 {
            return Err(VerifyError::table(
                Rule::MalformedTable,
                place(),
                "attempts must be at least 1",
            ));
        }
        for d in &v.deps {
            in_range(d.var, m.vars.len(), "variable", place)?;
            let dep = &m.vars[d.var as usize];
            if dep.owner.is_some() && dep.owner != v.owner {
                return Err(VerifyError::table(
                    Rule::LocalVariable,
                    place(),
                    format!(
                        "it depends on `{}`, a local variable of another procedure",
                        dep.name
                    ),
                ));
            }
        }
    }
    // Dependencies must be acyclic: corrections propagate along them.
    let mut state = vec![0u8; m.vars.len()];
    for start in 0..m.vars.len() {
        if state[start] != 0 {
            continue;
        }
        // Iterative depth-first search: (variable, next dependency to visit).
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            let deps = &m.vars[v].deps;
            if let Some(d) = deps.get(next) {
                top.1 += 1;
                let w = d.var as usize;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => {
                        return Err(VerifyError::table(
                            Rule::DependencyCycle,
                            format!("variable `{}`", m.vars[w].name),
                            "variable dependencies form a cycle",
                        ));
                    }
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    Ok(())
}

fn check_procedures(m: &Module) -> Result<(), VerifyError> {
    for (pi, p) in m.procedures.iter().enumerate() {
        let place = || format!("procedure `{}`", p.name);
        let outcomes = [p.outcomes.failure, p.outcomes.denied, p.outcomes.cancelled];
        let requires = p
            .requires
            .iter()
            .flat_map(|r| [Some(r.cond), Some(r.message)]);
        let chunks = [Some(p.label), p.when, Some(p.body)]
            .into_iter()
            .chain(outcomes)
            .chain(requires);
        for chunk in chunks.flatten() {
            in_range(chunk, m.chunks.len(), "chunk", place)?;
        }
        if let Some(d) = p.description {
            in_range(d, m.strings.len(), "string", place)?;
        }
        for &a in &p.audiences {
            in_range(a, m.audiences.len(), "audience", place)?;
        }
        for &v in &p.collects {
            in_range(v, m.vars.len(), "variable", place)?;
            if let Some(owner) = m.vars[v as usize].owner
                && owner as usize != pi
            {
                return Err(VerifyError::table(
                    Rule::LocalVariable,
                    place(),
                    format!(
                        "it collects `{}`, a local variable of another procedure",
                        m.vars[v as usize].name
                    ),
                ));
            }
        }
        check_fields(m, &p.returns, place)?;
    }
    Ok(())
}

fn check_triggers(m: &Module, t: &TriggerIndex) -> Result<(), VerifyError> {
    let place = || "the trigger index".to_string();
    if t.by_source.len() != m.sources.len() || t.by_faq.len() != m.faqs.len() {
        return Err(VerifyError::table(
            Rule::MalformedTable,
            place(),
            "it must have one list per source and per FAQ",
        ));
    }
    let lists = [&t.always, &t.negative_feedback, &t.unanswered]
        .into_iter()
        .chain(t.by_source.iter())
        .chain(t.by_faq.iter());
    for list in lists {
        let mut last: Option<u32> = None;
        for &p in list {
            in_range(p, m.procedures.len(), "procedure", place)?;
            if last.is_some_and(|l| p <= l) {
                return Err(VerifyError::table(
                    Rule::MalformedTable,
                    place(),
                    "a trigger's procedures must be listed once each, in declaration order",
                ));
            }
            last = Some(p);
        }
    }
    Ok(())
}
