//! The standard library: `.proc` modules embedded in the binary, so that `use std::…`
//! works from any directory.

/// Each module's name (as in `use std::NAME::…`) and source text.
pub const MODULES: &[(&str, &str)] = &[("types", include_str!("../stdlib/types.proc"))];

/// The path under which a module's diagnostics are shown.
pub fn display_path(module: &str) -> String {
    format!("std/{module}.proc")
}
