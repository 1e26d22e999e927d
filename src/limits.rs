//! The limits of the bundle format, in one place: the verifier refuses a bundle past
//! them, and the checker refuses a source that would go past them, so that a project
//! `procc check` accepts is one `procc build` can emit.
//!
//! Architecture invariant: a leaf. It imports nothing from the crate, so the checker
//! (below codegen) and the verifier (above it) can both use it.

use regex_automata::nfa::thompson::{Config as NfaConfig, NFA};

/// The most instructions a chunk may have.
pub const MAX_CHUNK_LEN: usize = 32_768;

/// The deepest the operand stack of one chunk may grow. The verifier proves every chunk
/// stays within it; the interpreter checks it again.
pub const MAX_STACK: usize = 256;

/// The largest compiled form (Thompson NFA, in bytes) of one regex.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The largest compiled form of all the distinct regexes of one bundle together, in
/// bytes: it bounds the work of loading a bundle, since a pattern of a few bytes
/// (`\w{500}`) can compile to a megabyte.
pub const REGEX_TOTAL_LIMIT: usize = 16 << 20;

/// The most items of a list, fields of an object, parts of a template or headers of a
/// request (their counts are 16-bit operands).
pub const MAX_PARTS: usize = u16::MAX as usize;

/// The size of a regex's compiled form, or why it does not compile within
/// [`REGEX_SIZE_LIMIT`]. Only the NFA is built (what `regex` bounds by its size limit),
/// at a fraction of the cost of a whole matcher.
pub fn regex_size(pattern: &str) -> Result<usize, String> {
    let config = NfaConfig::new().nfa_size_limit(Some(REGEX_SIZE_LIMIT));
    NFA::compiler()
        .configure(config)
        .build(pattern)
        .map(|nfa| nfa.memory_usage())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::regex_size;

    /// The checker takes a pattern whose NFA builds within the limit as one `regex`
    /// compiles (it asks `regex` only about refused ones): the two agree on what parses.
    #[test]
    fn a_pattern_within_the_limit_is_one_regex_compiles() {
        let valid = [
            r"^C1-[0-9]{4}$",
            r"(?i)^[a-z]+@[a-z]+\.[a-z]{2,}$",
            r"\bword\b",
            r"\p{Greek}+\s*\d{1,3}",
            r"(?P<year>\d{4})-(?P<month>\d{2})",
            r"a+?b*?c??",
            r"[[:alpha:]&&[^aeiou]]",
            r"\w{3}",
            "é|ü|\u{1F600}",
        ];
        for pattern in valid {
            assert!(regex_size(pattern).is_ok(), "{pattern}");
            assert!(regex::Regex::new(pattern).is_ok(), "{pattern}");
        }
        // Valid but past the limit: refused here, compiled by `regex` (E0182, not E0117).
        assert!(regex_size(r"\w{100}").is_err());
        assert!(regex::Regex::new(r"\w{100}").is_ok());
        let invalid = [r"[A-Z", r"(?<=a)b", r"a{2,1}", r"(unclosed", r"\1", r"*x"];
        for pattern in invalid {
            assert!(regex_size(pattern).is_err(), "{pattern}");
            assert!(regex::Regex::new(pattern).is_err(), "{pattern}");
        }
    }
}
