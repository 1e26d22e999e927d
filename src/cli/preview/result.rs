//! Typed-in results for the effect a run waits for: an HTTP response, a component's
//! output, a script's or a hand-off's outcome. A bare `ok` fills in an example value of
//! the declared shape (`returns { .. }` or the component's `output { .. }`), so an author
//! can walk the success path without writing JSON.

use procc::codegen::module::{BaseType, FieldDef, Module, Shape};
use procc::vm::Event;
use serde_json::{Map, Value as Json};

use super::commands::ResultSpec;

/// The effect a run waits for.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Awaiting {
    /// An `api_call`'s request, of this procedure.
    Request(Option<String>),
    /// A lookup's request, by the lookup's name.
    Lookup(String),
    /// A component, by platform id.
    Component(String),
    /// A JavaScript snippet.
    Script,
    /// A hand-off to a person.
    LiveChat,
}

/// The `result` event for a typed-in result, or why it does not fit the effect.
pub(super) fn event(
    spec: &ResultSpec,
    awaiting: &Awaiting,
    module: &Module,
) -> Result<Event, String> {
    let result = |ok, status, response, output| Event::Result {
        ok,
        status,
        response,
        output,
    };
    match (awaiting, spec) {
        (Awaiting::Request(procedure), ResultSpec::Ok(body)) => {
            let body = body.clone().unwrap_or_else(|| {
                let returns = procedure
                    .as_deref()
                    .and_then(|name| module.procedures.iter().find(|p| p.name == name))
                    .map_or(&[][..], |p| p.returns.as_slice());
                sample(returns, module)
            });
            Ok(result(true, Some(200), Some(body), None))
        }
        (Awaiting::Lookup(name), ResultSpec::Ok(body)) => {
            let body = body.clone().unwrap_or_else(|| {
                let returns = module
                    .vars
                    .iter()
                    .find(|v| &v.name == name && v.lookup.is_some())
                    .and_then(|v| v.lookup.as_ref())
                    .map_or(&[][..], |l| l.returns.as_slice());
                sample(returns, module)
            });
            Ok(result(true, Some(200), Some(body), None))
        }
        (Awaiting::Request(_) | Awaiting::Lookup(_), ResultSpec::Http(status, body)) => Ok(result(
            (200..300).contains(status),
            Some(*status),
            Some(body.clone().unwrap_or(Json::Null)),
            None,
        )),
        (_, ResultSpec::Fail) => Ok(result(false, None, None, None)),
        (Awaiting::Component(id), ResultSpec::Ok(output)) => {
            let output = output.clone().unwrap_or_else(|| {
                let fields = module
                    .components
                    .iter()
                    .find(|c| &c.id == id)
                    .map_or(&[][..], |c| c.output.as_slice());
                sample(fields, module)
            });
            Ok(result(true, None, None, Some(output)))
        }
        (Awaiting::Script | Awaiting::LiveChat, ResultSpec::Ok(output)) => {
            Ok(result(true, None, None, output.clone()))
        }
        (_, ResultSpec::Http(..)) => {
            Err("a status is for an HTTP request; answer `ok`, `ok {json}` or `fail`".to_owned())
        }
    }
}

/// An example object with one value of each field's type.
pub(super) fn sample(fields: &[FieldDef], module: &Module) -> Json {
    sample_fields(fields, module, module.types.len())
}

fn sample_fields(fields: &[FieldDef], module: &Module, budget: usize) -> Json {
    let mut map = Map::new();
    for field in fields {
        map.insert(field.name.clone(), sample_value(field.ty, module, budget));
    }
    Json::Object(map)
}

/// An example value of a type: a list holds one example item, a record one value per
/// field. Shapes refer only to earlier types; `budget` bounds the depth regardless.
fn sample_value(ty: u32, module: &Module, budget: usize) -> Json {
    let Some(def) = module.types.get(ty as usize).filter(|_| budget > 0) else {
        return Json::Null;
    };
    match &def.shape {
        Shape::List(item) => return Json::Array(vec![sample_value(*item, module, budget - 1)]),
        Shape::Record(fields) => return sample_fields(fields, module, budget - 1),
        Shape::Scalar => {}
    }
    match def.base {
        BaseType::Text => def
            .choices
            .first()
            .map_or_else(|| Json::from("example"), |c| Json::from(c.as_str())),
        BaseType::Int => Json::from(1),
        BaseType::Number => Json::from(1.5),
        BaseType::Bool => Json::Bool(true),
        BaseType::Date => Json::from("2030-01-31"),
        BaseType::Json => Json::Object(Map::new()),
    }
}
