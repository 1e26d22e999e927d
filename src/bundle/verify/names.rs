//! Names are unique: the interpreter finds a procedure by its name (`offer`, `click`) and
//! a variable by its name (`provide`), so two entries with one name would make the
//! second unreachable — or, worse, let a bundle show one procedure and run another.

use std::collections::HashSet;

use super::error::{Rule, VerifyError};
use crate::codegen::module::Module;

/// Refuses two procedures, two conversation variables, or two local variables of one
/// procedure with the same name.
pub(crate) fn check_names(m: &Module) -> Result<(), VerifyError> {
    let mut procedures = HashSet::with_capacity(m.procedures.len());
    for p in &m.procedures {
        if !procedures.insert(p.name.as_str()) {
            return Err(duplicate(format!("procedure `{}`", p.name)));
        }
    }
    let mut vars = HashSet::with_capacity(m.vars.len());
    for v in &m.vars {
        if !vars.insert((v.owner, v.name.as_str())) {
            return Err(duplicate(format!("variable `{}`", v.name)));
        }
    }
    Ok(())
}

fn duplicate(place: String) -> VerifyError {
    let detail = format!("{place} is declared twice");
    VerifyError::table(Rule::DuplicateName, place, detail)
}
