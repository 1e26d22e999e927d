//! Operators and built-in functions, with the semantics of `docs/language-notes.md`.
//!
//! Every failure (a type mismatch in a hand-made bundle, an overflow, a division by
//! zero) is a [`RuntimeError`], never a panic.

use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;

use crate::codegen::isa::{BinaryOp, Builtin, UnaryOp};

use super::value::{Value, text_as_date};
use crate::calendar;

/// A run-time error: the expression has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError(pub String);

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RuntimeError {}

/// Shorthand for building a [`RuntimeError`].
pub(crate) fn fail<T>(message: impl Into<String>) -> Result<T, RuntimeError> {
    Err(RuntimeError(message.into()))
}

/// Applies a prefix operator.
pub(super) fn unary(op: UnaryOp, operand: &Value) -> Result<Value, RuntimeError> {
    match (op, operand) {
        (UnaryOp::Not, Value::Bool(flag)) => Ok(Value::Bool(!flag)),
        (UnaryOp::Neg, Value::Int(int)) => int
            .checked_neg()
            .map(Value::Int)
            .ok_or_else(|| RuntimeError("integer overflow".into())),
        (UnaryOp::Neg, Value::Number(number)) => Ok(Value::Number(-number)),
        (op, other) => fail(format!("cannot apply {op:?} to {}", other.kind_name())),
    }
}

/// Applies an infix operator.
pub(super) fn binary(op: BinaryOp, left: &Value, right: &Value) -> Result<Value, RuntimeError> {
    match op {
        BinaryOp::Eq => Ok(Value::Bool(equal(left, right))),
        BinaryOp::Ne => Ok(Value::Bool(!equal(left, right))),
        BinaryOp::Lt => compare(left, right).map(|o| Value::Bool(o == Ordering::Less)),
        BinaryOp::Le => compare(left, right).map(|o| Value::Bool(o != Ordering::Greater)),
        BinaryOp::Gt => compare(left, right).map(|o| Value::Bool(o == Ordering::Greater)),
        BinaryOp::Ge => compare(left, right).map(|o| Value::Bool(o != Ordering::Less)),
        BinaryOp::In => contains(right, left).map(Value::Bool),
        BinaryOp::Add => match (left, right) {
            (Value::Text(a), Value::Text(b)) => Ok(Value::Text(format!("{a}{b}"))),
            (a, b) => arithmetic(a, b, i64::checked_add, |x, y| x + y, "+"),
        },
        BinaryOp::Sub => arithmetic(left, right, i64::checked_sub, |x, y| x - y, "-"),
        BinaryOp::Mul => arithmetic(left, right, i64::checked_mul, |x, y| x * y, "*"),
        BinaryOp::Div => {
            let (x, y) = (as_float(left)?, as_float(right)?);
            if y == 0.0 {
                return fail("division by zero");
            }
            finite(x / y)
        }
    }
}

/// Calls a built-in function on its arguments (values, or operands that borrow them).
pub(super) fn call<V: Borrow<Value>>(builtin: Builtin, args: &[V]) -> Result<Value, RuntimeError> {
    if !builtin
        .arities()
        .iter()
        .any(|&n| usize::from(n) == args.len())
    {
        return fail(format!(
            "{builtin:?} takes {:?} argument(s), got {}",
            builtin.arities(),
            args.len()
        ));
    }
    if builtin.reads_clock() {
        return fail(format!("{builtin:?} needs the input's time"));
    }
    let first = args.first().map_or(&Value::Absent, Borrow::borrow);
    let second = args.get(1).map_or(&Value::Absent, Borrow::borrow);
    match (builtin, first) {
        (Builtin::Len, Value::Text(text)) => count(text.chars().count()),
        (Builtin::Len, Value::List(items)) => count(items.len()),
        (Builtin::Len, Value::Json(json)) => match &**json {
            serde_json::Value::Array(items) => count(items.len()),
            serde_json::Value::Object(map) => count(map.len()),
            _ => fail("Len cannot take json"),
        },
        (Builtin::Lower, Value::Text(text)) => Ok(Value::Text(text.to_lowercase())),
        (Builtin::Upper, Value::Text(text)) => Ok(Value::Text(text.to_uppercase())),
        (Builtin::Trim, Value::Text(text)) => Ok(Value::Text(text.trim().to_owned())),
        (Builtin::Contains, haystack) => contains(haystack, second).map(Value::Bool),
        (Builtin::StartsWith, Value::Text(text)) => match second {
            Value::Text(prefix) => Ok(Value::Bool(text.starts_with(prefix.as_str()))),
            other => fail(format!("starts_with needs text, got {}", other.kind_name())),
        },
        (Builtin::EndsWith, Value::Text(text)) => match second {
            Value::Text(suffix) => Ok(Value::Bool(text.ends_with(suffix.as_str()))),
            other => fail(format!("ends_with needs text, got {}", other.kind_name())),
        },
        (Builtin::Join, items) => join(items, second),
        (Builtin::AddDays, Value::Date(days)) => match &*normalise(second) {
            Value::Int(n) => calendar::add_days(*days, *n)
                .map(Value::Date)
                .ok_or_else(|| RuntimeError("add_days leaves the calendar".into())),
            other => fail(format!("add_days needs an int, got {}", other.kind_name())),
        },
        (Builtin::DaysBetween, Value::Date(from)) => match as_date(second) {
            Some(to) => Ok(Value::Int(i64::from(to) - i64::from(*from))),
            None => fail(format!(
                "days_between needs dates, got {}",
                second.kind_name()
            )),
        },
        (Builtin::Weekday, Value::Date(days)) => calendar::weekday(*days)
            .map(|day| Value::Text(day.to_owned()))
            .ok_or_else(|| RuntimeError("weekday of a day outside the calendar".into())),
        // A text that is a date stands for that date (a date literal, a JSON field).
        (Builtin::AddDays | Builtin::DaysBetween | Builtin::Weekday, other)
            if as_date(other).is_some() =>
        {
            let date = Value::Date(as_date(other).unwrap_or_default());
            let mut args = vec![date];
            args.extend(std::iter::once(second.clone()).filter(|_| builtin != Builtin::Weekday));
            call(builtin, &args)
        }
        (builtin, other) => fail(format!("{builtin:?} cannot take {}", other.kind_name())),
    }
}

/// `today()`/`today(zone)`, `hour()`/`hour(zone)` at the input's time `at`; no time, or
/// a zone the database does not know, is a run-time error.
pub(super) fn clock<V: Borrow<Value>>(
    builtin: Builtin,
    args: &[V],
    at: Option<jiff::Timestamp>,
) -> Result<Value, RuntimeError> {
    let Some(at) = at else {
        return fail(format!(
            "{} needs the input's time (`at`), and this input has none",
            if builtin == Builtin::Hour {
                "hour()"
            } else {
                "today()"
            }
        ));
    };
    let zone = match args.first().map(Borrow::borrow) {
        None => jiff::tz::TimeZone::UTC,
        Some(Value::Text(name)) => calendar::time_zone(name)
            .ok_or_else(|| RuntimeError(format!("unknown time zone {name:?}")))?,
        Some(other) => return fail(format!("a time zone is a text, got {}", other.kind_name())),
    };
    match builtin {
        Builtin::Today => Ok(Value::Date(calendar::today(at, &zone))),
        Builtin::Hour => Ok(Value::Int(calendar::hour(at, &zone))),
        other => fail(format!("{other:?} does not read the clock")),
    }
}

/// A date, or a text (or JSON string) that is one.
fn as_date(value: &Value) -> Option<i32> {
    match &*normalise(value) {
        Value::Date(days) => Some(*days),
        Value::Text(text) => text_as_date(text),
        _ => None,
    }
}

/// `join(list, separator)`: each item rendered as a template renders it.
fn join(items: &Value, separator: &Value) -> Result<Value, RuntimeError> {
    let Value::Text(separator) = separator else {
        return fail(format!(
            "join needs a text separator, got {}",
            separator.kind_name()
        ));
    };
    let rendered: Vec<String> = match &*normalise(items) {
        Value::List(items) => items.iter().map(Value::render).collect(),
        Value::Absent => Vec::new(),
        other => return fail(format!("join needs a list, got {}", other.kind_name())),
    };
    Ok(Value::Text(rendered.join(separator)))
}

/// Equality of any two values: numbers compare numerically, a date equals the text of
/// that date, JSON scalars compare as the values they read as; anything else by its
/// JSON form.
pub(super) fn equal(left: &Value, right: &Value) -> bool {
    // The common cases first, without normalising or building JSON; each gives what
    // the general rule below would.
    match (left, right) {
        (Value::Text(a), Value::Text(b)) => return a == b,
        (Value::Int(a), Value::Int(b)) => return a == b,
        (Value::Bool(a), Value::Bool(b)) => return a == b,
        (Value::Date(a), Value::Date(b)) => return a == b,
        (Value::Absent, Value::Absent) => return true,
        _ => {}
    }
    let (left, right) = (normalise(left), normalise(right));
    match (&*left, &*right) {
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::Int(_) | Value::Number(_), Value::Int(_) | Value::Number(_)) => {
            as_float(&left).ok() == as_float(&right).ok()
        }
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        _ => left.to_json() == right.to_json(),
    }
}

/// Reads a JSON scalar as the typed value it stands for, so `response.n == 3` holds;
/// any other value as it is (borrowed).
fn normalise(value: &Value) -> Cow<'_, Value> {
    match value {
        Value::Json(json) => match &**json {
            serde_json::Value::Array(items) => {
                Cow::Owned(Value::List(items.iter().map(Value::from_json).collect()))
            }
            serde_json::Value::Object(_) => Cow::Borrowed(value),
            scalar => Cow::Owned(Value::from_json(scalar)),
        },
        other => Cow::Borrowed(other),
    }
}

fn compare(left: &Value, right: &Value) -> Result<Ordering, RuntimeError> {
    let (left, right) = (normalise(left), normalise(right));
    match (&*left, &*right) {
        (Value::Int(a), Value::Int(b)) => Ok(a.cmp(b)),
        (Value::Int(_) | Value::Number(_), Value::Int(_) | Value::Number(_)) => {
            let (a, b) = (as_float(&left)?, as_float(&right)?);
            a.partial_cmp(&b)
                .ok_or_else(|| RuntimeError("numbers cannot be compared".into()))
        }
        (Value::Text(a), Value::Text(b)) => Ok(a.cmp(b)),
        (Value::Date(a), Value::Date(b)) => Ok(a.cmp(b)),
        (Value::Date(a), Value::Text(b)) => match text_as_date(b) {
            Some(b) => Ok(a.cmp(&b)),
            None => fail("cannot compare a date with a text that is not a date"),
        },
        (Value::Text(a), Value::Date(b)) => match text_as_date(a) {
            Some(a) => Ok(a.cmp(b)),
            None => fail("cannot compare a date with a text that is not a date"),
        },
        (left, right) => fail(format!(
            "cannot order {} and {}",
            left.kind_name(),
            right.kind_name()
        )),
    }
}

/// `needle in haystack` / `contains(haystack, needle)`.
fn contains(haystack: &Value, needle: &Value) -> Result<bool, RuntimeError> {
    match &*normalise(haystack) {
        Value::List(items) => Ok(items.iter().any(|item| equal(item, needle))),
        Value::Text(text) => match needle {
            Value::Text(part) => Ok(text.contains(part.as_str())),
            other => fail(format!("cannot look for {} in text", other.kind_name())),
        },
        other => fail(format!("cannot look inside {}", other.kind_name())),
    }
}

fn arithmetic(
    left: &Value,
    right: &Value,
    ints: fn(i64, i64) -> Option<i64>,
    floats: fn(f64, f64) -> f64,
    symbol: &str,
) -> Result<Value, RuntimeError> {
    let (left, right) = (normalise(left), normalise(right));
    if let (Value::Int(a), Value::Int(b)) = (&*left, &*right) {
        return ints(*a, *b)
            .map(Value::Int)
            .ok_or_else(|| RuntimeError(format!("integer overflow in {symbol}")));
    }
    finite(floats(as_float(&left)?, as_float(&right)?))
}

fn as_float(value: &Value) -> Result<f64, RuntimeError> {
    match &*normalise(value) {
        // Precision loss above 2^53 is the documented meaning of mixing int and number.
        Value::Int(int) => Ok(*int as f64),
        Value::Number(number) => Ok(*number),
        other => fail(format!("expected a number, got {}", other.kind_name())),
    }
}

fn finite(number: f64) -> Result<Value, RuntimeError> {
    if number.is_finite() {
        Ok(Value::Number(number))
    } else {
        fail("number overflow")
    }
}

fn count(n: usize) -> Result<Value, RuntimeError> {
    i64::try_from(n)
        .map(Value::Int)
        .map_err(|_| RuntimeError("length overflow".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn arithmetic_and_errors() {
        assert_eq!(
            binary(BinaryOp::Add, &Value::Int(2), &Value::Int(3)),
            Ok(Value::Int(5))
        );
        assert_eq!(
            binary(BinaryOp::Add, &Value::Int(2), &Value::Number(0.5)),
            Ok(Value::Number(2.5))
        );
        assert_eq!(binary(BinaryOp::Add, &t("a"), &t("b")), Ok(t("ab")));
        assert!(binary(BinaryOp::Add, &Value::Int(i64::MAX), &Value::Int(1)).is_err());
        assert!(binary(BinaryOp::Mul, &Value::Number(1e308), &Value::Number(10.0)).is_err());
        assert!(binary(BinaryOp::Div, &Value::Int(1), &Value::Int(0)).is_err());
        assert_eq!(
            binary(BinaryOp::Div, &Value::Int(3), &Value::Int(2)),
            Ok(Value::Number(1.5))
        );
        assert!(unary(UnaryOp::Neg, &Value::Int(i64::MIN)).is_err());
        assert!(binary(BinaryOp::Sub, &t("a"), &Value::Int(1)).is_err());
    }

    #[test]
    fn comparisons_and_membership() {
        assert_eq!(
            binary(BinaryOp::Eq, &Value::Int(40), &Value::Number(40.0)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            binary(BinaryOp::Lt, &t("a"), &t("b")),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            binary(BinaryOp::Eq, &Value::Date(0), &t("1970-01-01")),
            Ok(Value::Bool(true))
        );
        assert!(binary(BinaryOp::Lt, &t("a"), &Value::Int(1)).is_err());
        let list = Value::List(vec![t("NL"), t("BE")]);
        assert_eq!(
            binary(BinaryOp::In, &t("BE"), &list.clone()),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            binary(BinaryOp::In, &t("DE"), &list),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            binary(BinaryOp::In, &t("ell"), &t("hello")),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            binary(BinaryOp::Eq, &Value::Absent, &Value::Absent),
            Ok(Value::Bool(true))
        );
    }

    #[test]
    fn builtins() {
        assert_eq!(call(Builtin::Len, &[t("héllo")]), Ok(Value::Int(5)));
        assert_eq!(call(Builtin::Upper, &[t("ab")]), Ok(t("AB")));
        assert_eq!(call(Builtin::Trim, &[t(" a ")]), Ok(t("a")));
        assert_eq!(
            call(Builtin::StartsWith, &[t("abc"), t("ab")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call(Builtin::EndsWith, &[t("abc"), t("bc")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call(
                Builtin::Contains,
                &[Value::List(vec![Value::Int(1)]), Value::Number(1.0)]
            ),
            Ok(Value::Bool(true))
        );
        assert!(call::<Value>(Builtin::Len, &[]).is_err());
        assert!(call(Builtin::Lower, &[Value::Int(1)]).is_err());
    }

    fn scalar() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Absent),
            prop::sample::select(vec!["", "a", "pro", "1970-01-01", "3"]).prop_map(t),
            prop::sample::select(vec![0i64, 3, -1]).prop_map(Value::Int),
            any::<bool>().prop_map(Value::Bool),
            prop::sample::select(vec![0i32, 1, -1]).prop_map(Value::Date),
            Just(Value::Number(3.0)),
            Just(Value::json(serde_json::json!("pro"))),
        ]
    }

    proptest::proptest! {
        /// The fast paths of `equal` give what its general rule gives: numbers
        /// numerically, anything else by its JSON form (JSON scalars read first).
        #[test]
        fn equality_fast_paths_follow_the_rule(a in scalar(), b in scalar()) {
            let (na, nb) = (normalise(&a), normalise(&b));
            let numeric = |v: &Value| matches!(v, Value::Int(_) | Value::Number(_));
            let rule = if numeric(&na) && numeric(&nb) {
                as_float(&na).ok() == as_float(&nb).ok()
            } else {
                na.to_json() == nb.to_json()
            };
            proptest::prop_assert_eq!(equal(&a, &b), rule);
        }
    }
}
