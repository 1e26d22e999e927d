//! What an `ask` shows beyond its prompt (§7): the type's name (a list's item type),
//! `choices` (a `one_of`'s, or the variable's `choices` computed now), `suggestions`,
//! `multiple`; and restricting an answer to computed `choices`.

use serde_json::Value as Json;

use crate::codegen::isa::ChunkId;
use crate::codegen::module::{Shape, VarDef};

use super::eval::{Env, eval};
use super::program::Program;
use super::session::Session;
use super::value::Value;

/// The fields of an `ask` output besides the variable and the prompt.
pub(crate) struct AskShape {
    /// The declared type's name; for a list, its item type's name.
    pub ty: String,
    /// The allowed answers: the variable's `choices`, or its (item) type's `one_of`.
    pub choices: Option<Vec<String>>,
    /// The variable's `suggestions`.
    pub suggestions: Option<Vec<String>>,
    /// Whether the variable is a list (several values in one answer).
    pub multiple: bool,
}

/// What the `ask` for `def` carries, computed with the session as it is now.
pub(crate) fn ask_shape(prog: &Program, session: &Session, def: &VarDef) -> AskShape {
    let list_item = prog
        .type_chain(def.ty)
        .first()
        .and_then(|root| match root.shape {
            Shape::List(item) => Some(item),
            _ => None,
        });
    let shown = list_item.unwrap_or(def.ty);
    let ty = prog.ty(shown).map_or_else(String::new, |t| t.name.clone());
    let choices = match def.choices {
        Some(chunk) => Some(evaluate(prog, session, chunk)),
        None => prog
            .type_chain(shown)
            .iter()
            .rev()
            .find(|t| !t.choices.is_empty())
            .map(|t| t.choices.clone()),
    };
    AskShape {
        ty,
        choices,
        suggestions: def.suggestions.map(|chunk| evaluate(prog, session, chunk)),
        multiple: list_item.is_some(),
    }
}

/// The texts a `choices` or `suggestions` chunk gives now. A value that is not a list
/// (a `json` expression that turned out otherwise) or an evaluation error gives none:
/// for `choices` that refuses every answer rather than allowing any.
pub(crate) fn evaluate(prog: &Program, session: &Session, chunk: ChunkId) -> Vec<String> {
    let items = match eval(&Env::new(prog, session), chunk) {
        Ok(Value::List(items)) => items,
        Ok(Value::Json(json)) => match *json {
            Json::Array(items) => items.iter().map(Value::from_json).collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    items
        .iter()
        .filter(|item| !item.is_absent())
        .map(Value::render)
        .collect()
}

/// Restricts a parsed answer (a text, or a list of texts) to `choices`, ignoring case;
/// each value becomes the choice as written in the list.
pub(crate) fn pick(choices: &[String], value: Value) -> Result<Value, String> {
    let one = |text: &str| {
        let wanted = text.trim().to_lowercase();
        choices
            .iter()
            .find(|c| c.to_lowercase() == wanted)
            .map(|c| Value::Text(c.clone()))
    };
    let picked = match &value {
        Value::Text(text) => one(text),
        Value::List(items) => items
            .iter()
            .map(|item| match item {
                Value::Text(text) => one(text),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        _ => None,
    };
    picked.ok_or_else(|| {
        if choices.is_empty() {
            "There is nothing to choose from right now.".to_owned()
        } else {
            format!("Please choose one of: {}.", choices.join(", "))
        }
    })
}

/// A refused answer as an `invalid` message's `value` shows it: a text as given,
/// trimmed; any other JSON value as compact JSON.
pub(crate) fn as_given(json: &Json) -> String {
    match json {
        Json::String(text) => text.trim().to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn picks_the_choice_as_written_ignoring_case() {
        let choices = texts(&["Ann Smith", "Bob"]);
        assert_eq!(
            pick(&choices, Value::Text("ann smith".into())),
            Ok(Value::Text("Ann Smith".into()))
        );
        let list = Value::List(vec![
            Value::Text("BOB".into()),
            Value::Text("ann smith".into()),
        ]);
        assert_eq!(
            pick(&choices, list),
            Ok(Value::List(vec![
                Value::Text("Bob".into()),
                Value::Text("Ann Smith".into())
            ]))
        );
        assert_eq!(
            pick(&choices, Value::Text("Carol".into())),
            Err("Please choose one of: Ann Smith, Bob.".to_owned())
        );
        assert!(pick(&[], Value::Text("x".into())).is_err());
    }

    #[test]
    fn refused_answers_show_as_given() {
        assert_eq!(as_given(&Json::String("  Carol ".into())), "Carol");
        assert_eq!(as_given(&serde_json::json!(["a", 1])), r#"["a",1]"#);
    }
}
