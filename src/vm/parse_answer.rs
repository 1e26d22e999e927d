//! Turning an answer, a provided value, a saved value or a customer attribute into a
//! typed [`Value`], then running the type's checks and the variable's own (§7).

use serde_json::Value as Json;

use crate::codegen::isa::{TypeId, VarId};
use crate::codegen::module::{BaseType, CheckDef};

use super::eval::{Env, eval_guard, eval_text};
use super::program::Program;
use super::session::Session;
use super::value::Value;
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
    let blank = match json {
        Json::Null => true,
        Json::String(text) => {
            mode == Mode::Answer && text.trim().is_empty() && def.base != BaseType::Json
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

/// Runs the checks of a type and its parents (root first) on a value.
pub(crate) fn type_checks(
    prog: &Program,
    session: &Session,
    ty: TypeId,
    value: &Value,
) -> Result<(), String> {
    if value.is_absent() {
        return Ok(());
    }
    for def in prog.type_chain(ty) {
        if let Some(check) = def.check {
            run_check(prog, session, check, value, None)?;
        }
    }
    Ok(())
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

/// Validates a value for a variable: parse by type, the type's checks, then the
/// variable's own checks. The first failing check's message is the error.
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
    let value = parse_typed(prog, def.ty, def.optional, json, mode)?;
    type_checks(prog, session, def.ty, &value)?;
    if !value.is_absent() {
        for check in &def.checks {
            run_check(prog, session, *check, &value, Some(var))?;
        }
    }
    Ok(value)
}

/// Where a JSON object fails a `returns { .. }` shape: `None` when every field parses
/// by its declared type, otherwise the JSON path of the first field that does not and
/// the type it should have had (`$.id: expected text`). Only names go in it, never the
/// response's values, since the text is logged.
pub(crate) fn returns_mismatch(
    prog: &Program,
    session: &Session,
    fields: &[crate::codegen::module::FieldDef],
    json: &Json,
) -> Option<String> {
    let Json::Object(map) = json else {
        return (!fields.is_empty()).then(|| "$: expected an object".to_owned());
    };
    fields.iter().find_map(|field| {
        let value = map.get(&field.name).unwrap_or(&Json::Null);
        let fits = parse_typed(prog, field.ty, field.optional, value, Mode::Strict)
            .and_then(|v| type_checks(prog, session, field.ty, &v))
            .is_ok();
        (!fits).then(|| {
            let ty = prog.ty(field.ty).map_or("?", |t| t.name.as_str());
            let optional = if field.optional { "?" } else { "" };
            format!("$.{}: expected {ty}{optional}", field.name)
        })
    })
}
