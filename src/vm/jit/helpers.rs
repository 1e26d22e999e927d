//! The Rust functions native guards call for what is not worth inlining: variable
//! lookups (a `BTreeMap`), text operations and regexes.
//!
//! Native code calls them only with pointers it was called with or found through them
//! (the session's known variables and the program's regexes of the call, values of the
//! session, the check's value, the tier's text constants), during that one call. None of them can panic: a panic cannot unwind out of an
//! `extern "C"` function.

use super::{Known, Regexes};
use crate::vm::value::Value;

/// What a variable reads when it is not known.
static ABSENT: Value = Value::Absent;

/// Result of a helper that failed (a missing regex).
pub(super) const HELPER_ERROR: i64 = 2;

/// # Safety
/// `value` points to a live `Value`.
unsafe fn text<'a>(value: *const Value) -> &'a str {
    // SAFETY: see above; native code passes only pointers to live values.
    match unsafe { &*value } {
        Value::Text(text) => text,
        _ => "",
    }
}

/// `LoadVar`: `value` when `var` is the variable under check (`candidate`), else the
/// known value, else absent.
pub(super) unsafe extern "C" fn load_var(
    known: *const Known,
    value: *const Value,
    candidate: u64,
    var: u64,
) -> *const Value {
    if var == candidate && !value.is_null() {
        return value;
    }
    let Ok(var) = u32::try_from(var) else {
        return &ABSENT;
    };
    // SAFETY: native code passes the known variables it was called with, live for the
    // call.
    let known = unsafe { &*known };
    known.get(&var).unwrap_or(&ABSENT)
}

/// `Matches`: 1 when the text matches the regex of `strings[id]`, 0 when not,
/// [`HELPER_ERROR`] when the program has no such regex.
pub(super) unsafe extern "C" fn matches(
    regexes: *const Regexes,
    id: u64,
    value: *const Value,
) -> i64 {
    // SAFETY: native code passes the regexes it was called with and a live text value.
    let (regexes, text) = unsafe { (&*regexes, text(value)) };
    match u32::try_from(id).ok().and_then(|id| regexes.get(&id)) {
        Some(regex) => i64::from(regex.is_match(text)),
        None => HELPER_ERROR,
    }
}

/// Equality of two texts.
pub(super) unsafe extern "C" fn text_eq(a: *const Value, b: *const Value) -> i64 {
    // SAFETY: native code passes live text values.
    unsafe { i64::from(text(a) == text(b)) }
}

/// Ordering of two texts: -1, 0 or 1.
pub(super) unsafe extern "C" fn text_cmp(a: *const Value, b: *const Value) -> i64 {
    // SAFETY: native code passes live text values.
    unsafe { text(a).cmp(text(b)) as i64 }
}

/// Whether text `a` contains text `b`.
pub(super) unsafe extern "C" fn text_contains(a: *const Value, b: *const Value) -> i64 {
    // SAFETY: native code passes live text values.
    unsafe { i64::from(text(a).contains(text(b))) }
}

/// Whether text `a` starts with text `b`.
pub(super) unsafe extern "C" fn text_starts(a: *const Value, b: *const Value) -> i64 {
    // SAFETY: native code passes live text values.
    unsafe { i64::from(text(a).starts_with(text(b))) }
}

/// Whether text `a` ends with text `b`.
pub(super) unsafe extern "C" fn text_ends(a: *const Value, b: *const Value) -> i64 {
    // SAFETY: native code passes live text values.
    unsafe { i64::from(text(a).ends_with(text(b))) }
}

/// `len` of a text: its characters.
pub(super) unsafe extern "C" fn text_len(a: *const Value) -> i64 {
    // SAFETY: native code passes a live text value.
    let count = unsafe { text(a) }.chars().count();
    i64::try_from(count).unwrap_or(i64::MAX)
}
