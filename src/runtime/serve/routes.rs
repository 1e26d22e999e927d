//! The HTTP face of `procc serve` (axum): `POST /v1/events`, `GET /v1/health`.
//!
//! - `POST /v1/events` takes one protocol input as its body and answers 200 with
//!   `{"outputs": [...]}`, that input's outputs in order (an input the session refuses
//!   gets its protocol `error` output there, with 200).
//! - A body that is not a protocol input (not UTF-8, not JSON, not a known event, a
//!   missing field: the protocol's `bad_input`) gets 400 with the `error` object itself,
//!   which also carries `outputs` holding that same object, so a client reading either
//!   finds it: `{"action":"error","code":"bad_input","message":"...","outputs":[{...}]}`.
//! - A body over the size limit gets 413; a store failure gets 503 with an `error`
//!   object of code `unavailable` (nothing was applied: the client may retry).
//! - `GET /v1/health` answers 200 `{"status":"ok","bundle":"<hash>"}` once serving.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value as Json, json};

use crate::vm::parse_input_line;
use crate::vm::protocol::{Action, Output};

use super::server::{Server, hex};

/// The default request body limit.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The routes over a shared server, with a request body limit in bytes.
pub fn router(server: Arc<Server>, body_limit: usize) -> Router {
    Router::new()
        .route("/v1/events", post(events))
        .route("/v1/health", get(health))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(server)
}

fn json_response(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error_response(status: StatusCode, error: &Output) -> Response {
    let mut body = serde_json::to_value(error).unwrap_or_default();
    let outputs = json!([body.clone()]);
    if let Some(object) = body.as_object_mut() {
        object.insert("outputs".to_owned(), outputs);
    }
    json_response(status, &body)
}

async fn events(State(server): State<Arc<Server>>, body: Bytes) -> Response {
    let parsed = match std::str::from_utf8(&body) {
        Ok(text) => parse_input_line(text),
        Err(_) => Err(Output {
            conversation: None,
            action: Action::Error {
                code: "bad_input".to_owned(),
                message: "the body is not UTF-8 text".to_owned(),
            },
        }),
    };
    let input = match parsed {
        // An input without `at` happened now (§7): `today()` and `hour()` read it.
        Ok(mut input) => {
            input.at.get_or_insert_with(jiff::Timestamp::now);
            input
        }
        Err(error) => return error_response(StatusCode::BAD_REQUEST, &error),
    };
    let conversation = input.conversation.clone();
    match server.handle(input).await {
        Ok(step) => {
            // Serialising protocol outputs cannot fail (plain data, string keys).
            let text = serde_json::to_string(&step.outputs).unwrap_or_else(|_| "[]".to_owned());
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                format!("{{\"outputs\":{text}}}"),
            )
                .into_response()
        }
        Err(error) => {
            eprintln!("procc serve: {error}");
            let output = Output {
                conversation: Some(conversation),
                action: Action::Error {
                    code: "unavailable".to_owned(),
                    message: "the session store failed; nothing was applied".to_owned(),
                },
            };
            error_response(StatusCode::SERVICE_UNAVAILABLE, &output)
        }
    }
}

async fn health(State(server): State<Arc<Server>>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"status": "ok", "bundle": hex(&server.bundle_hash())}),
    )
}
