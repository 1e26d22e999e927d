//! The customer profile a preview starts with: a JSON object from a flag or a file, or
//! typed attribute by attribute following the project's `customer { .. }` schema.

use std::path::Path;

use procc::codegen::module::{BaseType, Module, Shape, TypeDef};
use serde_json::{Map, Value as Json};

use super::input::Lines;
use super::render::{Painter, Tone};

/// A profile from JSON text (the `--customer` flag or a `--customer-file`).
pub(super) fn from_json(text: &str, origin: &str) -> Result<Map<String, Json>, String> {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(format!("{origin}: the customer must be a JSON object")),
        Err(error) => Err(format!("{origin}: not JSON: {error}")),
    }
}

/// A profile read from a JSON file.
pub(super) fn from_file(path: &Path) -> Result<Map<String, Json>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    from_json(&text, &path.display().to_string())
}

/// Asks for each attribute of the schema in turn; `Ok(None)` when input ends first.
pub(super) fn prompt(
    module: &Module,
    lines: &mut Lines,
    painter: &Painter,
) -> Result<Option<Map<String, Json>>, String> {
    let mut map = Map::new();
    if module.customer.is_empty() {
        return Ok(Some(map));
    }
    println!(
        "{}",
        painter.paint(
            Tone::Dim,
            "The customer profile (the project's `customer` schema):"
        )
    );
    for field in &module.customer {
        let Some(ty) = module.types.get(field.ty as usize) else {
            continue;
        };
        let shown = module.type_display(field.ty);
        let hint = if field.optional {
            format!("{shown}, optional: Enter leaves it out")
        } else {
            shown
        };
        let prompt = painter.paint(Tone::Prompt, &format!("customer.{} ({hint}): ", field.name));
        loop {
            let Some(line) = lines.read(&prompt)? else {
                return Ok(None);
            };
            let line = line.trim();
            if line.is_empty() && field.optional {
                break;
            }
            match typed_attribute(line, module, ty) {
                Ok(value) => {
                    map.insert(field.name.clone(), value);
                    break;
                }
                Err(why) => println!("{}", painter.paint(Tone::Bad, &why)),
            }
        }
    }
    Ok(Some(map))
}

/// Parses one typed attribute: a list as a JSON array or items separated by commas
/// (each parsed by the item type), anything else by [`attribute`].
fn typed_attribute(text: &str, module: &Module, ty: &TypeDef) -> Result<Json, String> {
    let Shape::List(item) = ty.shape else {
        return attribute(text, ty.base, &ty.choices);
    };
    if let Ok(Json::Array(items)) = serde_json::from_str::<Json>(text) {
        return Ok(Json::Array(items));
    }
    let Some(item) = module.types.get(item as usize) else {
        return Err("This list has an unknown item type.".to_owned());
    };
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| attribute(t, item.base, &item.choices))
        .collect::<Result<Vec<_>, _>>()
        .map(Json::Array)
}

/// Parses one typed attribute by its type's representation.
pub(super) fn attribute(text: &str, base: BaseType, choices: &[String]) -> Result<Json, String> {
    match base {
        BaseType::Text | BaseType::Date => {
            if !choices.is_empty() && !choices.iter().any(|c| c == text) {
                return Err(format!("Please choose one of: {}.", choices.join(", ")));
            }
            Ok(Json::String(text.to_owned()))
        }
        BaseType::Int => text
            .parse::<i64>()
            .map(Json::from)
            .map_err(|_| "Please give a whole number.".to_owned()),
        BaseType::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
            .ok_or_else(|| "Please give a number.".to_owned()),
        BaseType::Bool => match text.to_ascii_lowercase().as_str() {
            "yes" | "true" | "y" => Ok(Json::Bool(true)),
            "no" | "false" | "n" => Ok(Json::Bool(false)),
            _ => Err("Please answer yes or no.".to_owned()),
        },
        BaseType::Json => Ok(serde_json::from_str(text).unwrap_or(Json::String(text.to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_parse_by_type() {
        assert_eq!(attribute("3", BaseType::Int, &[]), Ok(json!(3)));
        assert!(attribute("three", BaseType::Int, &[]).is_err());
        assert_eq!(attribute("2.5", BaseType::Number, &[]), Ok(json!(2.5)));
        assert_eq!(attribute("Yes", BaseType::Bool, &[]), Ok(json!(true)));
        assert_eq!(attribute("NL", BaseType::Text, &[]), Ok(json!("NL")));
        let choices = ["a".to_owned(), "b".to_owned()];
        assert!(attribute("c", BaseType::Text, &choices).is_err());
        assert_eq!(attribute("[1]", BaseType::Json, &[]), Ok(json!([1])));
    }

    #[test]
    fn profiles_must_be_objects() {
        assert!(from_json("[1]", "--customer").is_err());
        assert!(from_json("{", "--customer").is_err());
        assert_eq!(
            from_json(r#"{"plan":"pro"}"#, "x").unwrap()["plan"],
            json!("pro")
        );
    }
}
