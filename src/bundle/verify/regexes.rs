//! Every distinct regex of the bundle is compiled once, however many instructions use
//! it, and all of them together stay within [`REGEX_TOTAL_LIMIT`]: a pattern of a few
//! bytes can compile to a megabyte, so without both a small bundle could take minutes
//! to load.

use std::collections::HashSet;

use super::error::{Rule, VerifyError};
use crate::codegen::isa::Instr;
use crate::codegen::module::Module;
use crate::limits::{REGEX_TOTAL_LIMIT, regex_size};

/// Compiles each distinct pattern of a `Matches` once (out-of-range operands are left
/// to the per-chunk index checks).
pub(crate) fn check_regexes(m: &Module) -> Result<(), VerifyError> {
    let mut seen = HashSet::new();
    let mut total = 0usize;
    for (chunk, c) in m.chunks.iter().enumerate() {
        for (pc, instr) in c.code.iter().enumerate() {
            let Instr::Matches(id) = *instr else {
                continue;
            };
            let Some(pattern) = m.strings.get(id as usize) else {
                continue;
            };
            if !seen.insert(pattern.as_str()) {
                continue;
            }
            let error = |detail: String| VerifyError {
                rule: Rule::InvalidRegex,
                place: format!("chunk {chunk}"),
                procedure: None,
                chunk: Some(chunk as u32),
                instr: Some(pc as u32),
                detail,
            };
            let size = regex_size(pattern)
                .map_err(|e| error(format!("the regex {pattern:?} does not compile: {e}")))?;
            total = total.saturating_add(size);
            if total > REGEX_TOTAL_LIMIT {
                return Err(error(format!(
                    "the bundle's regexes compile to more than {REGEX_TOTAL_LIMIT} bytes together"
                )));
            }
        }
    }
    Ok(())
}
