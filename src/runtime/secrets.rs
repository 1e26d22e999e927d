//! Secret values from the environment: `PROCC_SECRET_<NAME>` for a declared secret
//! `NAME` (upper-cased), used by `procc run` and `procc serve` when a `start` event does
//! not give the value itself (a value in the event wins).

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::vm::protocol::{Event, Input};

/// The prefix of the environment variables holding secrets.
pub const ENV_PREFIX: &str = "PROCC_SECRET_";

/// Secret values read from the environment once, at start-up.
#[derive(Clone, Default)]
pub struct EnvSecrets {
    /// Upper-cased secret name to value.
    values: HashMap<String, String>,
}

impl std::fmt::Debug for EnvSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: the values must never reach a log.
        let mut names: Vec<&String> = self.values.keys().collect();
        names.sort();
        f.debug_struct("EnvSecrets").field("names", &names).finish()
    }
}

impl EnvSecrets {
    /// Reads every `PROCC_SECRET_*` variable of the process (non-UTF-8 ones are skipped).
    pub fn from_env() -> EnvSecrets {
        EnvSecrets::from_vars(std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        }))
    }

    /// Keeps the `PROCC_SECRET_*` pairs of `vars` (for tests and embedders).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> EnvSecrets {
        let values = vars
            .into_iter()
            .filter_map(|(name, value)| Some((name.strip_prefix(ENV_PREFIX)?.to_owned(), value)))
            .collect();
        EnvSecrets { values }
    }

    /// Whether no secret was found.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The environment's value of the declared secret `name`, if any.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .get(&name.to_ascii_uppercase())
            .map(String::as_str)
    }

    /// Adds to a `start` input the declared secrets it does not give (absent or `null`)
    /// and the environment has. Other inputs are left alone.
    pub fn fill(&self, declared: &[String], input: &mut Input) {
        if self.values.is_empty() {
            return;
        }
        let Event::Start { secrets, .. } = &mut input.event else {
            return;
        };
        for name in declared {
            let given = secrets
                .as_ref()
                .and_then(|s| s.get(name))
                .is_some_and(|v| !v.is_null());
            if given {
                continue;
            }
            if let Some(value) = self.value(name) {
                secrets
                    .get_or_insert_with(Default::default)
                    .insert(name.clone(), Json::String(value.to_owned()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::parse_input_line;

    #[test]
    fn the_event_wins_and_the_environment_fills_the_rest() {
        let env = EnvSecrets::from_vars([
            ("PROCC_SECRET_SHOP_TOKEN".to_owned(), "from-env".to_owned()),
            ("PROCC_SECRET_OTHER".to_owned(), "x".to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
        ]);
        let declared = vec!["shop_token".to_owned(), "api_key".to_owned()];
        let mut input = parse_input_line(r#"{"conversation":"c","event":"start"}"#).unwrap();
        env.fill(&declared, &mut input);
        let Event::Start { secrets, .. } = &input.event else {
            panic!()
        };
        let secrets = secrets.as_ref().unwrap();
        assert_eq!(secrets.get("shop_token"), Some(&Json::from("from-env")));
        assert_eq!(secrets.len(), 1, "undeclared secrets are not added");

        let mut input = parse_input_line(
            r#"{"conversation":"c","event":"start","secrets":{"shop_token":"given"}}"#,
        )
        .unwrap();
        env.fill(&declared, &mut input);
        let Event::Start { secrets, .. } = &input.event else {
            panic!()
        };
        assert_eq!(
            secrets.as_ref().unwrap().get("shop_token"),
            Some(&Json::from("given"))
        );
        assert!(!format!("{env:?}").contains("from-env"));
    }
}
