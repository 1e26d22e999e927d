//! Driving conversations with JSON lines, as a host does.

use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::vm::{Conversations, Program, Step};

pub(super) struct H {
    pub c: Conversations,
}

impl H {
    pub(super) fn new(program: Arc<Program>) -> H {
        H {
            c: Conversations::new(program),
        }
    }

    /// Sends one input (conversation `c1` unless given) through the line parser.
    pub(super) fn step(&mut self, mut input: Json) -> Step {
        if input.get("conversation").is_none() {
            input["conversation"] = json!("c1");
        }
        self.c.handle_line(&input.to_string())
    }

    /// Sends one input; its outputs as JSON, each checked to carry the input's
    /// conversation, which is then removed for brevity.
    pub(super) fn send(&mut self, input: Json) -> Vec<Json> {
        let conv = input.get("conversation").cloned().unwrap_or(json!("c1"));
        self.step(input)
            .outputs
            .into_iter()
            .map(|output| {
                let mut json = serde_json::to_value(&output).unwrap();
                assert_eq!(
                    json["conversation"], conv,
                    "output carries the conversation"
                );
                json.as_object_mut().unwrap().remove("conversation");
                json
            })
            .collect()
    }

    /// The `code` of the single `error` output of an input.
    pub(super) fn error(&mut self, input: Json) -> String {
        let outputs = self.send(input);
        assert_eq!(outputs.len(), 1, "{outputs:?}");
        assert_eq!(outputs[0]["action"], "error", "{outputs:?}");
        outputs[0]["code"].as_str().unwrap().to_owned()
    }
}

/// A customer of the `pro` plan.
pub(super) fn pro() -> Json {
    json!({"event": "start", "customer": {"plan": "pro", "country": "NL", "orders": 3}, "secrets": {"shop_token": "t0k"}})
}

/// A customer of the `enterprise` plan.
pub(super) fn enterprise() -> Json {
    json!({"event": "start", "customer": {"plan": "enterprise", "country": "BE", "orders": 0, "vip": true}})
}

/// The `action` names of some outputs.
pub(super) fn actions(outputs: &[Json]) -> Vec<&str> {
    outputs
        .iter()
        .map(|o| o["action"].as_str().unwrap())
        .collect()
}
