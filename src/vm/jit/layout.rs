//! Where native code finds things in a [`Value`].
//!
//! [`Value`] is `repr(C, u8)`: a one-byte tag (discriminants in declaration order),
//! then the payload at the offset of a `repr(C)` union aligned to 8 bytes. The tags and
//! the payload offset below follow from that; [`verified`] still probes them on real
//! values once, and the native tier stays off if anything differs, so a layout change
//! can only make guards slower, never wrong.

use std::sync::OnceLock;

use crate::vm::value::Value;

/// Tag of [`Value::Absent`].
pub(super) const ABSENT: u8 = 0;
/// Tag of [`Value::Text`].
pub(super) const TEXT: u8 = 1;
/// Tag of [`Value::Int`].
pub(super) const INT: u8 = 2;
/// Tag of [`Value::Number`].
pub(super) const NUMBER: u8 = 3;
/// Tag of [`Value::Bool`].
pub(super) const BOOL: u8 = 4;
/// Tag of [`Value::Date`].
pub(super) const DATE: u8 = 5;
/// The highest tag native code handles; lists and JSON (6, 7) hand the guard back to
/// the interpreter.
pub(super) const LAST_SCALAR: u8 = DATE;
/// The scalar tags, in order.
pub(super) const SCALARS: [u8; 6] = [ABSENT, TEXT, INT, NUMBER, BOOL, DATE];

/// Offset of every variant's payload.
pub(super) const PAYLOAD: i32 = 8;

/// Whether values really are laid out as the constants say (probed once per process).
pub(super) fn verified() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(probe)
}

/// Where a `String` keeps its data pointer and length (byte offsets inside the
/// `String`), probed once; `None` when the probe is not conclusive, and texts are then
/// compared by helpers only.
pub(super) fn string_layout() -> Option<(i32, i32)> {
    static LAYOUT: OnceLock<Option<(i32, i32)>> = OnceLock::new();
    *LAYOUT.get_or_init(probe_string)
}

fn probe_string() -> Option<(i32, i32)> {
    const WORDS: usize = 3;
    if std::mem::size_of::<String>() != WORDS * 8 || usize::BITS != 64 {
        return None;
    }
    let mut found: Option<(usize, usize)> = None;
    for (len, capacity) in [(3, 37), (5, 64)] {
        let mut text = String::with_capacity(capacity);
        text.push_str(&"abcde"[..len]);
        // SAFETY: a `String` is three initialised machine words (checked above), with
        // no padding; they are only compared as integers.
        let words: [usize; WORDS] = unsafe { std::mem::transmute_copy(&text) };
        let at = |x: usize| {
            let mut hits = (0..WORDS).filter(|&i| words[i] == x);
            let first = hits.next()?;
            hits.next().is_none().then_some(first)
        };
        let here = (at(text.as_ptr() as usize)?, at(text.len())?);
        at(text.capacity())?;
        if found.is_some_and(|f| f != here) {
            return None;
        }
        found = Some(here);
    }
    found.map(|(ptr, len)| (ptr as i32 * 8, len as i32 * 8))
}

fn tag_of(value: &Value) -> u8 {
    // SAFETY: `Value` is `repr(C, u8)`, so its first byte is the initialised tag.
    unsafe { *(value as *const Value).cast::<u8>() }
}

fn offset_of<T>(value: &Value, field: &T) -> usize {
    (field as *const T as usize).wrapping_sub(value as *const Value as usize)
}

fn probe() -> bool {
    if usize::BITS != 64 || cfg!(target_endian = "big") {
        return false;
    }
    let values = [
        (Value::Absent, ABSENT),
        (Value::Text(String::new()), TEXT),
        (Value::Int(-2), INT),
        (Value::Number(1.5), NUMBER),
        (Value::Bool(true), BOOL),
        (Value::Date(-3), DATE),
        (Value::List(Vec::new()), 6),
        (Value::json(serde_json::Value::Null), 7),
    ];
    let tags_ok = values.iter().all(|(value, tag)| tag_of(value) == *tag);
    let payload = PAYLOAD as usize;
    let offsets_ok = values.iter().all(|(value, _)| match value {
        Value::Int(x) => offset_of(value, x) == payload,
        Value::Number(x) => offset_of(value, x) == payload,
        Value::Bool(x) => offset_of(value, x) == payload,
        Value::Date(x) => offset_of(value, x) == payload,
        Value::Text(x) => offset_of(value, x) == payload,
        _ => true,
    });
    tags_ok && offsets_ok && std::mem::size_of::<Value>() >= 16
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_layout_is_what_native_code_assumes() {
        assert!(super::verified());
        assert!(super::string_layout().is_some());
    }
}
