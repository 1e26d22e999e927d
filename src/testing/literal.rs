//! The literal values of test statements as JSON.

use serde_json::{Map, Value as Json};

use crate::syntax::ast::{Expr, ExprKind, FieldInit, TemplatePart, UnaryOp};

/// The JSON of a literal expression (the checker only lets literals into tests; anything
/// else becomes `null`).
pub(super) fn literal_to_json(expr: &Expr) -> Json {
    match &expr.kind {
        ExprKind::Int(value) => Json::from(*value),
        ExprKind::Number(value) => {
            serde_json::Number::from_f64(*value).map_or(Json::Null, Json::Number)
        }
        ExprKind::Bool(value) => Json::Bool(*value),
        ExprKind::Str(template) => Json::String(
            template
                .parts
                .iter()
                .filter_map(|part| match part {
                    TemplatePart::Text { value, .. } => Some(value.as_str()),
                    TemplatePart::Expr(_) => None,
                })
                .collect(),
        ),
        ExprKind::List(items) => Json::Array(items.iter().map(literal_to_json).collect()),
        ExprKind::Object(fields) => Json::Object(literal_object(fields)),
        ExprKind::Unary(UnaryOp::Neg, _) => {
            // Signs down the spine in a loop (see `syntax::spine`), not one call each.
            let (innermost, operators) = expr.spine();
            let mut value = literal_to_json(innermost);
            for operator in operators.into_iter().rev() {
                value = match operator.kind {
                    ExprKind::Unary(UnaryOp::Neg, _) => negate(value),
                    _ => Json::Null,
                };
            }
            value
        }
        _ => Json::Null,
    }
}

/// `-value` for a JSON number, `null` for anything else.
fn negate(value: Json) -> Json {
    match value {
        Json::Number(n) => n
            .as_i64()
            .and_then(i64::checked_neg)
            .map(Json::from)
            .or_else(|| {
                n.as_f64()
                    .and_then(|f| serde_json::Number::from_f64(-f))
                    .map(Json::Number)
            })
            .unwrap_or(Json::Null),
        _ => Json::Null,
    }
}

/// The JSON object of `{ key: literal, ... }`.
pub(super) fn literal_object(fields: &[FieldInit]) -> Map<String, Json> {
    fields
        .iter()
        .map(|field| (field.name.name.clone(), literal_to_json(&field.value)))
        .collect()
}
