//! The limits of the bundle format, in one place: the verifier refuses a bundle past
//! them, and the checker refuses a source that would go past them, so that a project
//! `procc check` accepts is one `procc build` can emit.

use regex_automata::nfa::thompson::{Config as NfaConfig, NFA};

/// The most instructions a chunk may have.
pub const MAX_CHUNK_LEN: usize = 32_768;

/// The deepest the operand stack of a chunk may grow.
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
