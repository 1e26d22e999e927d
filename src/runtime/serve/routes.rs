//! The HTTP face of `procc serve` (axum). [`ROUTES`] lists what it answers; the OpenAPI
//! document ([`OPENAPI`], `GET /v1/openapi.json`) describes each.
//!
//! - `POST /v1/events` takes one protocol input as its body and answers 200 with
//!   `{"outputs": [...]}`, that input's outputs in order (an input the session refuses
//!   gets its protocol `error` output there, with 200). The input is handled in a task
//!   of its own ([`Server::handle_detached`]): a client that goes away does not cut it.
//! - Every error answer's body is the protocol's `error` object, which also carries
//!   `outputs` holding that same object, so a client reading either finds it:
//!   `{"action":"error","code":"bad_input","message":"...","outputs":[{...}]}`. Codes:
//!   400 `bad_input`, 401 `unauthorized`, 404 `not_found`, 405 `method_not_allowed`,
//!   408 `timeout` (the body did not arrive in time), 413 `too_large` (refused on its
//!   `Content-Length` before any of the body is read, or when the body passes the
//!   limit), 503 `unavailable` (the store failed: nothing was applied, retry).
//! - `GET /v1/health` answers 200 `{"status":"ok","bundle":"<hash>"}` once serving, and
//!   never asks for the token; `GET /v1/ready` answers 200 when the store answers, else
//!   503; `GET /metrics` the Prometheus text of [`super::metrics`].
//! - Every request gets one JSON line on stderr (see `observe`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use serde_json::{Value as Json, json};

use crate::vm::parse_input_line;
use crate::vm::protocol::{Action, Input, Output};

use super::auth::Token;
use super::log::{self, Level};
use super::metrics::CONTENT_TYPE as METRICS_CONTENT_TYPE;
use super::server::{Server, hex};

/// The default request body limit.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Every route the server answers, as (method, path).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/events"),
    ("GET", "/v1/health"),
    ("GET", "/v1/ready"),
    ("GET", "/metrics"),
    ("GET", "/v1/openapi.json"),
];

/// The OpenAPI 3 document of the API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// What the routes need besides the server.
#[derive(Clone, Debug)]
pub struct RouteOptions {
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request's body may take to arrive.
    pub read_timeout: Duration,
    /// The bearer token every route but `GET /v1/health` requires, if any.
    pub token: Option<Token>,
}

struct App {
    server: Arc<Server>,
    options: RouteOptions,
}

/// What the request log line tells about a protocol input (never its values).
#[derive(Clone, Debug)]
struct Logged {
    conversation: String,
    event: &'static str,
}

/// The routes over a shared server.
pub fn router(server: Arc<Server>, options: RouteOptions) -> Router {
    let app = Arc::new(App { server, options });
    Router::new()
        .route("/v1/events", post(events))
        .route("/v1/health", get(health))
        .route("/v1/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .with_state(app)
}

fn json_response(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error_output(conversation: Option<String>, code: &str, message: &str) -> Output {
    Output {
        conversation,
        action: Action::Error {
            code: code.to_owned(),
            message: message.to_owned(),
        },
    }
}

fn error_response(status: StatusCode, error: &Output) -> Response {
    let mut body = serde_json::to_value(error).unwrap_or_default();
    let outputs = json!([body.clone()]);
    if let Some(object) = body.as_object_mut() {
        object.insert("outputs".to_owned(), outputs);
    }
    json_response(status, &body)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    error_response(status, &error_output(None, code, message))
}

fn too_large(limit: usize) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        &format!("the body is over the limit of {limit} bytes"),
    )
}

/// What every request goes through: the token check ([`refusal`]), then the route, then
/// one log line: `ts`, `level`, `conversation`, `event`, `status`, `ms`, `method`,
/// `path`. Only names and ids: never a body, a header (the token) or a value. (One layer
/// for both: each axum middleware layer boxes the request's future once more.)
async fn observe(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let began = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = match refusal(&app, &request) {
        Some(refused) => refused,
        None => next.run(request).await,
    };
    let took = began.elapsed();
    app.server.metrics().request(took);
    let status = response.status();
    let logged = response.extensions().get::<Logged>();
    let fields = [
        (
            "conversation",
            logged.map(|l| l.conversation.as_str()).into(),
        ),
        ("event", logged.map(|l| l.event).into()),
        ("status", status.as_u16().into()),
        // To the microsecond: more digits would be noise.
        ("ms", (took.as_micros() as f64 / 1000.0).into()),
        ("method", method.as_str().into()),
        ("path", uri.path().into()),
    ];
    let level = if status.is_server_error() {
        Level::Error
    } else if status.is_client_error() {
        Level::Warn
    } else {
        Level::Info
    };
    log::write(level, &fields);
    response
}

/// With a token configured, every route but `GET /v1/health` needs
/// `Authorization: Bearer TOKEN`: the 401 answer for a request without it.
fn refusal(app: &App, request: &Request) -> Option<Response> {
    let token = app.options.token.as_ref()?;
    let open = request.method() == Method::GET && request.uri().path() == "/v1/health";
    (!open && !token.admits(request.headers())).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid `Authorization: Bearer` token is required",
        )
    })
}

/// The declared body length, when there is one.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Why a body was not read.
enum Unread {
    /// The connection failed mid-body.
    Broken,
    /// It passed the limit.
    TooLarge,
    /// It did not arrive within the read timeout.
    Late,
}

impl Unread {
    fn response(self, limit: usize) -> Response {
        match self {
            Unread::Broken => error(
                StatusCode::BAD_REQUEST,
                "bad_input",
                "the body could not be read",
            ),
            Unread::TooLarge => too_large(limit),
            Unread::Late => error(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "the body did not arrive in time",
            ),
        }
    }
}

/// Reads the body within the limit and the read timeout.
async fn read_body(options: &RouteOptions, mut body: Body) -> Result<Vec<u8>, Unread> {
    let limit = options.body_limit;
    let read = async {
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| Unread::Broken)?;
            if let Some(data) = frame.data_ref() {
                if bytes.len() + data.len() > limit {
                    return Err(Unread::TooLarge);
                }
                bytes.extend_from_slice(data);
            }
        }
        Ok(bytes)
    };
    tokio::time::timeout(options.read_timeout, read)
        .await
        .unwrap_or(Err(Unread::Late))
}

/// The protocol input a body holds, or its `bad_input` error.
fn parse(body: &[u8]) -> Result<Input, Box<Output>> {
    match std::str::from_utf8(body) {
        Ok(text) => parse_input_line(text).map_err(Box::new),
        Err(_) => Err(Box::new(error_output(
            None,
            "bad_input",
            "the body is not UTF-8 text",
        ))),
    }
}

async fn events(State(app): State<Arc<App>>, request: Request) -> Response {
    // Refused on the header: nothing of an oversized body is read.
    if content_length(request.headers())
        .is_some_and(|length| length > app.options.body_limit as u64)
    {
        return too_large(app.options.body_limit);
    }
    let body = match read_body(&app.options, request.into_body()).await {
        Ok(body) => body,
        Err(unread) => return unread.response(app.options.body_limit),
    };
    let input = match parse(&body) {
        // An input without `at` happened now (§7): `today()` and `hour()` read it.
        Ok(mut input) => {
            input.at.get_or_insert_with(jiff::Timestamp::now);
            input
        }
        Err(error) => return error_response(StatusCode::BAD_REQUEST, &error),
    };
    let logged = Logged {
        conversation: input.conversation.clone(),
        event: input.event.name(),
    };
    let mut response = match app.server.handle_detached(input).await {
        Ok(step) => {
            let mut body = Vec::with_capacity(256);
            body.extend_from_slice(b"{\"outputs\":");
            // Serialising protocol outputs into a Vec cannot fail (plain data, string keys).
            if serde_json::to_writer(&mut body, &step.outputs).is_err() {
                body.truncate(b"{\"outputs\":".len());
                body.extend_from_slice(b"[]");
            }
            body.push(b'}');
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        }
        Err(failure) => {
            log::message(Level::Error, failure.to_string());
            let output = error_output(
                Some(logged.conversation.clone()),
                "unavailable",
                "the session store failed; nothing was applied",
            );
            error_response(StatusCode::SERVICE_UNAVAILABLE, &output)
        }
    };
    response.extensions_mut().insert(logged);
    response
}

async fn health(State(app): State<Arc<App>>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"status": "ok", "bundle": hex(&app.server.bundle_hash())}),
    )
}

async fn ready(State(app): State<Arc<App>>) -> Response {
    match app.server.ready().await {
        Ok(()) => json_response(
            StatusCode::OK,
            &json!({"status": "ready", "bundle": hex(&app.server.bundle_hash())}),
        ),
        Err(failure) => {
            log::message(Level::Error, format!("not ready: {failure}"));
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the session store does not answer",
            )
        }
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        app.server.render_metrics(),
    )
        .into_response()
}

async fn openapi() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}
