//! Turning an answer, a provided value, a saved value or a customer attribute into a
//! typed [`Value`], then running the type's checks and the variable's own (§7).

use serde_json::Value as Json;

use crate::codegen::isa::{TypeId, VarId};
use crate::codegen::module::{BaseType, CheckDef, FieldDef, Shape};

use super::eval::{Env, eval_guard, eval_text};
use super::program::Program;
use super::session::Session;
use super::value::{MAX_NESTING, Value};
use crate::calendar::parse_date;

/// How strictly JSON must match the type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The customer's own words or a JSON value: `"42"` is an `int`, `"Yes"` a `bool`.
    Answer,
    /// Host data (the customer schema, a `returns` check): JSON must have the type's
    /// shape; only dates and `one_of`s are strings.
    Strict,
}

/// The message when nothing usable was given for a required value.
const MISSING: &str = "Please give a value.";

/// Parses JSON as a value of the type. `null` (or, for an answer, blank text) is
/// `Absent` when `optional`, and refused otherwise.
pub(crate) fn parse_typed(
    prog: &Program,
    ty: TypeId,
    optional: bool,
    json: &Json,
    mode: Mode,
) -> Result<Value, String> {
    let chain = prog.type_chain(ty);
    let Some(def) = chain.last() else {
        return Err("This value has an unknown type.".to_owned());
    };
    let shape = chain.first().map_or(&Shape::Scalar, |root| &root.shape);
    let blank = match json {
        Json::Null => true,
        Json::String(text) => {
            mode == Mode::Answer
                && text.trim().is_empty()
                && (def.base != BaseType::Json || *shape != Shape::Scalar)
        }
        _ => false,
    };
    if blank {
        return if optional {
            Ok(Value::Absent)
        } else {
            Err(MISSING.to_owned())
        };
    }
    match shape {
        Shape::Scalar => {}
        Shape::List(item) => return parse_list(prog, *item, json, mode),
        Shape::Record(fields) => return parse_record(prog, fields, json, mode),
    }
    // The most derived `one_of` in the chain decides the choices.
    if let Some(choices) = chain
        .iter()
        .rev()
        .find(|t| !t.choices.is_empty())
        .map(|t| &t.choices)
    {
        let wanted = match json {
            Json::String(text) => Some(text.trim()),
            _ => None,
        };
        return wanted
            .and_then(|w| {
                choices
                    .iter()
                    .find(|c| c.to_lowercase() == w.to_lowercase())
            })
            .map(|choice| Value::Text(choice.clone()))
            .ok_or_else(|| format!("Please choose one of: {}.", choices.join(", ")));
    }
    let text = match json {
        Json::String(text) if mode == Mode::Answer => Some(text.trim()),
        _ => None,
    };
    match def.base {
        BaseType::Text => match json {
            Json::String(s) => Ok(Value::Text(if mode == Mode::Answer {
                s.trim().to_owned()
            } else {
                s.clone()
            })),
            Json::Number(n) if mode == Mode::Answer => Ok(Value::Text(n.to_string())),
            Json::Bool(b) if mode == Mode::Answer => Ok(Value::Text(b.to_string())),
            _ => Err("Please give a text.".to_owned()),
        },
        BaseType::Int => {
            let parsed = match json {
                Json::Number(n) => n.as_i64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                }),
                _ => text.and_then(|t| t.parse::<i64>().ok()),
            };
            parsed
                .map(Value::Int)
                .ok_or_else(|| "Please give a whole number.".to_owned())
        }
        BaseType::Number => {
            let parsed = match json {
                Json::Number(n) => n.as_f64(),
                _ => text.and_then(|t| t.parse::<f64>().ok()),
            };
            parsed
                .filter(|f| f.is_finite())
                .map(Value::Number)
                .ok_or_else(|| "Please give a number.".to_owned())
        }
        BaseType::Bool => {
            let parsed = match json {
                Json::Bool(b) => Some(*b),
                _ => text.and_then(|t| match t.to_lowercase().as_str() {
                    "yes" | "true" => Some(true),
                    "no" | "false" => Some(false),
                    _ => None,
                }),
            };
            parsed
                .map(Value::Bool)
                .ok_or_else(|| "Please answer yes or no.".to_owned())
        }
        BaseType::Date => match json {
            Json::String(s) => parse_date(s.trim()).map(Value::Date),
            _ => None,
        }
        .ok_or_else(|| "Please give a date as YYYY-MM-DD.".to_owned()),
        BaseType::Json => Ok(Value::json(json.clone())),
    }
}

/// The items of a list answer: a JSON array; in an answer also a text of items
/// separated by commas (each trimmed, empty ones left out), or a text that is a JSON
/// array (so an item may hold a comma), or one scalar. Each item is parsed as `item`.
fn parse_list(prog: &Program, item: TypeId, json: &Json, mode: Mode) -> Result<Value, String> {
    let parsed_text;
    let items: Vec<Json> = match json {
        Json::Array(items) => return parse_items(prog, item, items.iter(), mode),
        Json::String(text) if mode == Mode::Answer => {
            let text = text.trim();
            parsed_text = text
                .starts_with('[')
                .then(|| serde_json::from_str::<Json>(text).ok())
                .flatten();
            if let Some(Json::Array(items)) = &parsed_text {
                return parse_items(prog, item, items.iter(), mode);
            }
            split_items(text)
                .map(|t| Json::String(t.to_owned()))
                .collect()
        }
        Json::Number(_) | Json::Bool(_) if mode == Mode::Answer => vec![json.clone()],
        _ => return Err("Please give a list.".to_owned()),
    };
    parse_items(prog, item, items.iter(), mode)
}

/// The items of a text list answer: split at commas, trimmed, empty items left out.
pub(crate) fn split_items(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|t| !t.is_empty())
}

fn parse_items<'j>(
    prog: &Program,
    item: TypeId,
    items: impl Iterator<Item = &'j Json>,
    mode: Mode,
) -> Result<Value, String> {
    let values = items
        .map(|json| parse_typed(prog, item, false, json, mode))
        .collect::<Result<Vec<_>, _>>()?;
    let list = Value::List(values);
    if list.nesting() > MAX_NESTING {
        return Err("This list nests too deeply.".to_owned());
    }
    Ok(list)
}

/// A record: a JSON object (in an answer also a text that is one) whose declared
/// fields each parse by their type; a missing or `null` optional field is absent. The
/// value keeps the declared fields only.
fn parse_record(
    prog: &Program,
    fields: &[FieldDef],
    json: &Json,
    mode: Mode,
) -> Result<Value, String> {
    let parsed_text;
    let map = match json {
        Json::Object(map) => map,
        Json::String(text) if mode == Mode::Answer => {
            parsed_text = serde_json::from_str::<Json>(text.trim()).ok();
            match &parsed_text {
                Some(Json::Object(map)) => map,
                _ => return Err("Please give an object.".to_owned()),
            }
        }
        _ => return Err("Please give an object.".to_owned()),
    };
    let mut out = serde_json::Map::new();
    for field in fields {
        let value = map.get(&field.name).unwrap_or(&Json::Null);
        let parsed = parse_typed(prog, field.ty, field.optional, value, mode)
            .map_err(|why| format!("{}: {why}", field.name))?;
        if !parsed.is_absent() {
            out.insert(field.name.clone(), parsed.to_json());
        }
    }
    Ok(Value::json(Json::Object(out)))
}

/// Runs the checks of a type and its parents (root first) on a value, and those of a
/// list's item type on each item and of a record's field types on each field.
pub(crate) fn type_checks(
    prog: &Program,
    session: &Session,
    ty: TypeId,
    value: &Value,
) -> Result<(), String> {
    if value.is_absent() {
        return Ok(());
    }
    let chain = prog.type_chain(ty);
    for def in chain.iter() {
        if let Some(check) = def.check {
            run_check(prog, session, check, value, None)?;
        }
    }
    match (chain.first().map(|root| &root.shape), value) {
        (Some(Shape::List(item)), Value::List(items)) => items
            .iter()
            .try_for_each(|v| type_checks(prog, session, *item, v)),
        (Some(Shape::Record(fields)), Value::Json(json)) => match &**json {
            Json::Object(map) => fields.iter().try_for_each(|f| {
                let v = map.get(&f.name).map_or(Value::Absent, Value::from_json);
                type_checks(prog, session, f.ty, &v)
            }),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn run_check(
    prog: &Program,
    session: &Session,
    check: CheckDef,
    value: &Value,
    var: Option<VarId>,
) -> Result<(), String> {
    let env = Env {
        prog,
        session,
        value: Some(value),
        candidate: var,
    };
    if eval_guard(&env, check.cond) {
        return Ok(());
    }
    Err(eval_text(&env, check.message).unwrap_or_else(|_| "That value is not valid.".to_owned()))
}

/// Validates a value for a variable: parse by type, its `choices`, the type's checks,
/// then the variable's own checks. The first failing check's message is the error; an
/// answer that cannot be read or is not a choice gets the variable's `invalid` message
/// when it has one.
pub(crate) fn validate_var(
    prog: &Program,
    session: &Session,
    var: VarId,
    json: &Json,
    mode: Mode,
) -> Result<Value, String> {
    let def = prog
        .var(var)
        .ok_or_else(|| "Unknown variable.".to_owned())?;
    let refused = |own: String| match def.invalid {
        Some(invalid) => {
            let given = Value::Text(super::choices::as_given(json));
            let env = Env {
                prog,
                session,
                value: Some(&given),
                candidate: None,
            };
            eval_text(&env, invalid).unwrap_or(own)
        }
        None => own,
    };
    let value = parse_typed(prog, def.ty, def.optional, json, mode).map_err(refused)?;
    let value = match def.choices {
        Some(chunk) if !value.is_absent() => {
            let choices = super::choices::evaluate(prog, session, chunk);
            super::choices::pick(&choices, value).map_err(refused)?
        }
        _ => value,
    };
    type_checks(prog, session, def.ty, &value)?;
    if !value.is_absent() {
        for check in &def.checks {
            run_check(prog, session, *check, &value, Some(var))?;
        }
    }
    Ok(value)
}

/// Whether a request's `result` is an answer: `ok` with a 2xx status (or none given).
pub(crate) fn answered(ok: bool, status: Option<u16>) -> bool {
    ok && status.is_none_or(|s| (200..300).contains(&s))
}

/// A result checked against its declared shape (`returns`, a component's `output`):
/// whether it succeeded, and where it failed the shape. Only an `answered` result is
/// checked (a 4xx body is not a `returns`), and it succeeds when it fits. One rule for
/// an api_call's response, a component's output and a lookup's response.
pub(crate) fn checked_result(
    prog: &Program,
    session: &Session,
    answered: bool,
    fields: &[FieldDef],
    json: &Json,
) -> (bool, Option<String>) {
    let mismatch = if answered && !fields.is_empty() {
        returns_mismatch(prog, session, fields, json)
    } else {
        None
    };
    (answered && mismatch.is_none(), mismatch)
}

/// Where a JSON object fails a `returns { .. }` (or component `output`) shape: `None`
/// when every field parses by its declared type, nested lists and records included,
/// otherwise the JSON path of the first value that does not and the type it should
/// have had (`$.accounts[1].iban: expected iban`). Only names and positions go in it,
/// never the response's values, since the text is logged.
pub(crate) fn returns_mismatch(
    prog: &Program,
    session: &Session,
    fields: &[crate::codegen::module::FieldDef],
    json: &Json,
) -> Option<String> {
    let Json::Object(map) = json else {
        return (!fields.is_empty()).then(|| "$: expected an object".to_owned());
    };
    let mut path = "$".to_owned();
    fields_mismatch(prog, session, fields, map, &mut path)
}

fn fields_mismatch(
    prog: &Program,
    session: &Session,
    fields: &[FieldDef],
    map: &serde_json::Map<String, Json>,
    path: &mut String,
) -> Option<String> {
    fields.iter().find_map(|field| {
        let len = path.len();
        path.push('.');
        path.push_str(&field.name);
        let value = map.get(&field.name).unwrap_or(&Json::Null);
        let found = value_mismatch(prog, session, field.ty, field.optional, value, path);
        path.truncate(len);
        found
    })
}

/// Where one JSON value fails its type (see [`returns_mismatch`]).
fn value_mismatch(
    prog: &Program,
    session: &Session,
    ty: TypeId,
    optional: bool,
    json: &Json,
    path: &mut String,
) -> Option<String> {
    let expected = |path: &str| {
        let name = prog.ty(ty).map_or("?", |t| t.name.as_str());
        let optional = if optional { "?" } else { "" };
        format!("{path}: expected {name}{optional}")
    };
    let chain = prog.type_chain(ty);
    let shape = chain.first().map_or(&Shape::Scalar, |root| &root.shape);
    let nested = match (shape, json) {
        (_, Json::Null) => None,
        (Shape::List(item), Json::Array(items)) => items.iter().enumerate().find_map(|(i, v)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = value_mismatch(prog, session, *item, false, v, path);
            path.truncate(len);
            found
        }),
        (Shape::Record(fields), Json::Object(map)) => {
            fields_mismatch(prog, session, fields, map, path)
        }
        _ => None,
    };
    if nested.is_some() {
        return nested;
    }
    let fits = parse_typed(prog, ty, optional, json, Mode::Strict)
        .and_then(|v| type_checks(prog, session, ty, &v))
        .is_ok();
    (!fits).then(|| expected(path))
}
