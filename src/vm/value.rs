//! Run-time values: what the operand stack, variables and customer attributes hold.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value as Json;

use crate::calendar::{format_date, parse_date};

/// A run-time value.
///
/// `repr(C, u8)` fixes the layout (a one-byte tag in declaration order, then the
/// payload at a fixed offset) so the native tier (`vm::jit`, feature `jit`) can read
/// scalar payloads straight from a value; see `docs/jit.md`.
#[derive(Clone, Debug, PartialEq)]
#[repr(C, u8)]
pub enum Value {
    /// No value: an absent optional, a variable whose `when` was false, a missing field.
    Absent,
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
    /// A finite 64-bit float.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// An ISO date, as days since 1970-01-01.
    Date(i32),
    /// A list built by a list literal.
    List(Vec<Value>),
    /// Untyped JSON (a `json` variable, a result, an object literal). Boxed: JSON is
    /// rare on the hot paths, and inline it would make every value 80 bytes instead of
    /// 32.
    Json(Box<Json>),
}

impl Value {
    /// Untyped JSON as a value (boxed; see [`Value::Json`]).
    pub fn json(json: Json) -> Value {
        Value::Json(Box::new(json))
    }

    /// Renders the value the way templates show it (§7): text as is, `int` in decimal,
    /// `number` in its shortest round-trip form, `bool` as `true`/`false`, `date` as
    /// `YYYY-MM-DD`, an absent value as nothing; a list (a list value or a JSON array)
    /// as its items separated by `, `, each item rendered so, except that an item that
    /// is itself a list or an object is compact JSON; other JSON as compact JSON.
    pub fn render(&self) -> String {
        match self {
            Value::Absent => String::new(),
            Value::Text(text) => text.clone(),
            Value::Int(int) => int.to_string(),
            Value::Number(number) => render_number(*number),
            Value::Bool(flag) => flag.to_string(),
            Value::Date(days) => format_date(*days),
            Value::List(items) => render_items(items.iter().map(std::borrow::Cow::Borrowed)),
            Value::Json(json) => match &**json {
                Json::Array(items) => render_items(
                    items
                        .iter()
                        .map(|item| std::borrow::Cow::Owned(Value::from_json(item))),
                ),
                other => other.to_string(),
            },
        }
    }

    /// The value as JSON (§7 "In JSON"): text and dates are strings, `int`/`number`
    /// numbers, `bool` booleans, an absent value `null`.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Absent => Json::Null,
            Value::Text(text) => Json::String(text.clone()),
            Value::Int(int) => Json::from(*int),
            Value::Number(number) => number_to_json(*number),
            Value::Bool(flag) => Json::Bool(*flag),
            Value::Date(days) => Json::String(format_date(*days)),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Json(json) => (**json).clone(),
        }
    }

    /// Reads untyped JSON into the value an expression sees: `null` is absent, strings
    /// are text, integral numbers that fit are `int`, other numbers `number`, booleans
    /// `bool`; arrays and objects stay JSON (their fields are read with `GetField`).
    pub fn from_json(json: &Json) -> Value {
        match json {
            Json::Null => Value::Absent,
            Json::Bool(flag) => Value::Bool(*flag),
            Json::String(text) => Value::Text(text.clone()),
            Json::Number(number) => match number.as_i64() {
                Some(int) => Value::Int(int),
                None => number.as_f64().map_or(Value::Absent, Value::Number),
            },
            Json::Array(_) | Json::Object(_) => Value::json(json.clone()),
        }
    }

    /// Whether the value is [`Value::Absent`].
    pub fn is_absent(&self) -> bool {
        matches!(self, Value::Absent)
    }

    /// How deeply lists and JSON nest inside the value (a scalar is 0). Values built
    /// at run time are kept within 128 levels so rendering, encoding and dropping
    /// them can never exhaust the stack.
    pub fn nesting(&self) -> usize {
        fn json_nesting(json: &Json) -> usize {
            match json {
                Json::Array(items) => 1 + items.iter().map(json_nesting).max().unwrap_or(0),
                Json::Object(map) => 1 + map.values().map(json_nesting).max().unwrap_or(0),
                _ => 0,
            }
        }
        match self {
            Value::List(items) => 1 + items.iter().map(Value::nesting).max().unwrap_or(0),
            Value::Json(json) => json_nesting(json),
            _ => 0,
        }
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Absent => "absent",
            Value::Text(_) => "text",
            Value::Int(_) => "int",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            Value::Date(_) => "date",
            Value::List(_) => "list",
            Value::Json(_) => "json",
        }
    }
}

/// The items of a list as a template shows them: `a, b, c`; absent items left out.
fn render_items<'v>(items: impl Iterator<Item = std::borrow::Cow<'v, Value>>) -> String {
    let shown: Vec<String> = items
        .filter(|item| !item.is_absent())
        .map(|item| match &*item {
            Value::List(_) | Value::Json(_) => item.to_json().to_string(),
            scalar => scalar.render(),
        })
        .collect();
    shown.join(", ")
}

/// The deepest nesting of lists and JSON a value may have (serde_json's own parser
/// stops at 128 too).
pub(super) const MAX_NESTING: usize = 128;

std::thread_local! {
    /// Nesting depth of the `Value` being decoded on this thread.
    static DECODING_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How a template shows a `number` (the one place numbers become text): the shortest
/// digits that read back as the same number, in plain decimal when `1e-7 <= |x| < 1e21`
/// (`40`, `40.5`, `0.1`, `0.0000001`), with an exponent outside that range (`5e-324`,
/// `1e21`, `1.5e-8`) — JavaScript's rule for `Number#toString`, so a tiny or huge number
/// is a few characters, not hundreds of digits. Zero is `0`, never `-0`.
fn render_number(number: f64) -> String {
    if number == 0.0 {
        return "0".to_owned();
    }
    if (1e-7..1e21).contains(&number.abs()) {
        number.to_string()
    } else {
        format!("{number:e}")
    }
}

fn number_to_json(number: f64) -> Json {
    // `-0.0` is written as `0.0`: the sign of zero means nothing to a host, and JSON
    // readers differ on it.
    let number = if number == 0.0 { 0.0 } else { number };
    serde_json::Number::from_f64(number).map_or(Json::Null, Json::Number)
}

/// Parses a date for comparisons between dates and texts.
pub(crate) fn text_as_date(text: &str) -> Option<i32> {
    parse_date(text)
}

/// The compact form stored in snapshots: JSON is kept as its text, because postcard
/// (not self-describing) cannot carry `serde_json::Value` directly.
#[derive(Serialize, Deserialize)]
enum Stored {
    Absent,
    Text(String),
    Int(i64),
    Number(f64),
    Bool(bool),
    Date(i32),
    List(Vec<Value>),
    Json(String),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let stored = match self {
            Value::Absent => Stored::Absent,
            Value::Text(text) => Stored::Text(text.clone()),
            Value::Int(int) => Stored::Int(*int),
            Value::Number(number) => Stored::Number(*number),
            Value::Bool(flag) => Stored::Bool(*flag),
            Value::Date(days) => Stored::Date(*days),
            Value::List(items) => Stored::List(items.clone()),
            Value::Json(json) => Stored::Json(json.to_string()),
        };
        stored.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Postcard has no recursion limit: a crafted snapshot could nest lists until the
        // stack overflows. Count the depth and refuse beyond MAX_NESTING.
        let depth = DECODING_DEPTH.with(std::cell::Cell::get);
        if depth >= MAX_NESTING {
            return Err(serde::de::Error::custom("values nest too deeply"));
        }
        DECODING_DEPTH.with(|d| d.set(depth + 1));
        let stored = Stored::deserialize(deserializer);
        DECODING_DEPTH.with(|d| d.set(depth));
        Ok(match stored? {
            Stored::Absent => Value::Absent,
            Stored::Text(text) => Value::Text(text),
            Stored::Int(int) => Value::Int(int),
            Stored::Number(number) if number.is_finite() => Value::Number(number),
            Stored::Number(_) => return Err(serde::de::Error::custom("non-finite number")),
            Stored::Bool(flag) => Value::Bool(flag),
            Stored::Date(days) => Value::Date(days),
            Stored::List(items) => Value::List(items),
            Stored::Json(text) => {
                Value::json(serde_json::from_str(&text).map_err(serde::de::Error::custom)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_like_templates() {
        assert_eq!(Value::Number(40.0).render(), "40");
        assert_eq!(Value::Number(40.5).render(), "40.5");
        assert_eq!(Value::Number(0.1).render(), "0.1");
        assert_eq!(Value::Number(4.9e-324).render(), "5e-324");
        assert_eq!(Value::Number(-1e300).render(), "-1e300");
        assert_eq!(Value::Number(1e21).render(), "1e21");
        assert_eq!(
            Value::Number(123456789012345680000.0).render(),
            "123456789012345680000"
        );
        assert_eq!(Value::Number(1e-7).render(), "0.0000001");
        assert_eq!(Value::Number(1.5e-8).render(), "1.5e-8");
        assert_eq!(Value::Number(-0.0).render(), "0");
        assert_eq!(Value::Number(-0.0).to_json().to_string(), "0.0");
        assert_eq!(Value::Int(-7).render(), "-7");
        assert_eq!(Value::Bool(true).render(), "true");
        assert_eq!(Value::Date(0).render(), "1970-01-01");
        assert_eq!(Value::Absent.render(), "");
        let list = Value::List(vec![Value::Text("a".into()), Value::Int(1)]);
        assert_eq!(list.render(), "a, 1");
        assert_eq!(
            Value::json(json!(["x", 2.5, null, [1]])).render(),
            "x, 2.5, [1]"
        );
        assert_eq!(Value::json(json!({"a": [1, 2]})).render(), r#"{"a":[1,2]}"#);
    }

    #[test]
    fn json_round_trip() {
        assert_eq!(Value::from_json(&json!(3)), Value::Int(3));
        assert_eq!(Value::from_json(&json!(3.5)), Value::Number(3.5));
        assert_eq!(Value::from_json(&json!(null)), Value::Absent);
        assert_eq!(Value::Date(1).to_json(), json!("1970-01-02"));
        assert_eq!(Value::Absent.to_json(), json!(null));
        let value = Value::List(vec![Value::json(json!({"k": 1.5})), Value::Number(2.0)]);
        let bytes = postcard::to_allocvec(&value).unwrap();
        assert_eq!(postcard::from_bytes::<Value>(&bytes).unwrap(), value);
    }

    #[test]
    fn deep_snapshots_are_refused() {
        // Stored::List is variant 6, followed by a one-element length: nest 100 000 times.
        let mut bytes = [6u8, 1].repeat(100_000);
        bytes.push(0);
        assert!(postcard::from_bytes::<Value>(&bytes).is_err());
    }
}
