//! URL safety (§7): the one place the interpreter encodes values for URLs and checks a
//! rendered URL before a request or a redirect goes out.
//!
//! Every value interpolated into a URL template passes through [`percent_encode`]
//! (the code generator emits `Instr::UrlEncode` after each one, and the verifier refuses
//! a URL that holds a value that did not), so a value can never add a path segment, a
//! query parameter or a fragment, nor reach the scheme, host or port (the checker
//! refuses templates that interpolate there). The one thing encoding cannot neutralise
//! is a value that makes a whole path segment `.` or `..` (both are unreserved
//! characters): [`has_dot_segment`] finds it, and the run refuses to send.

use std::fmt::Write;

/// Percent-encodes every byte of `text`'s UTF-8 form outside RFC 3986's unreserved
/// characters (`A–Z a–z 0–9 - . _ ~`) as `%XX`, upper-case hex.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            // Writing into a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Whether the path of an absolute URL (`scheme://authority/path?query#fragment`) has a
/// whole segment that is `.` or `..`, which a client would resolve away, moving the
/// request to another resource. The query and fragment do not count.
pub fn has_dot_segment(url: &str) -> bool {
    let after_scheme = url.find("://").map_or(url, |at| &url[at + 3..]);
    let Some(path_start) = after_scheme.find('/') else {
        return false;
    };
    let path = &after_scheme[path_start..];
    let end = path.find(['?', '#']).unwrap_or(path.len());
    path[..end]
        .split('/')
        .any(|segment| segment == "." || segment == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(percent_encode("../admin?x=1#y"), "..%2Fadmin%3Fx%3D1%23y");
        assert_eq!(percent_encode("red shoes"), "red%20shoes");
        assert_eq!(percent_encode("é@%"), "%C3%A9%40%25");
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
    }

    #[test]
    fn dot_segments_in_the_path_only() {
        assert!(has_dot_segment("https://a.example/x/../y"));
        assert!(has_dot_segment("https://a.example/x/."));
        assert!(has_dot_segment("https://a.example/.."));
        assert!(!has_dot_segment("https://a.example/x/..%2Fy"));
        assert!(!has_dot_segment("https://a.example/x/...?q=.."));
        assert!(!has_dot_segment("https://a.example/x#/../"));
        assert!(!has_dot_segment("https://a.example"));
    }
}
