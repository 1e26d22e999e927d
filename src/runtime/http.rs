//! Performing an `api_call`'s HTTP request (reqwest over rustls).
//!
//! [`HttpClient::perform`] takes the vm's `request` action and gives an [`HttpOutcome`],
//! which becomes the `result` event fed back to the session. The rules (see
//! `docs/language-notes.md`, "Runtime"):
//!
//! - the timeout is the request's `timeout_ms` (0 means the default of 10 s), at most 60 s,
//!   per attempt, covering connecting, sending and reading the whole response;
//! - `retry N` retries on connection errors, timeouts and 5xx statuses only, after an
//!   exponential backoff with full jitter (base 100 ms, doubling, capped at 2 s);
//! - every non-GET request carries `Idempotency-Key` (the vm's key, the same on every
//!   attempt of one call) unless the author set that header;
//! - a 2xx (or any) response body that is JSON becomes `response`; an empty body gives
//!   `null`; a body that is not JSON gives its text as a JSON string (so a `returns { .. }`
//!   shape check fails on it); bodies above 4 MiB are refused;
//! - error texts never carry the URL (it may hold a secret query value) nor any header;
//! - redirects (§7 safety): a request that carries a secret or is not a GET follows
//!   none, and no request follows one to another origin (scheme, host, port); at most
//!   [`MAX_REDIRECTS`] hops, without a `Referer`. A redirect not followed is the
//!   response: a failure with its 3xx status.

use std::time::Duration;

use serde_json::{Map, Value as Json};

use crate::vm::protocol::{Action, Event};

/// The timeout when the request gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest timeout a request may have.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest response body read.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// The first retry's backoff ceiling (doubled on each further retry).
const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// The most redirects one attempt follows.
pub const MAX_REDIRECTS: usize = 5;
/// The largest backoff between two attempts.
const BACKOFF_CAP: Duration = Duration::from_secs(2);

/// Why the HTTP client could not be built; the client library's error is its
/// [`source`](std::error::Error::source) (without any URL).
#[derive(Debug)]
pub struct HttpError(reqwest::Error);

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot build the HTTP client: {}", self.0)
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// An HTTP client for `api_call` requests. Cheap to clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    backoff_base: Duration,
}

/// What became of one request, after its retries.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpOutcome {
    /// Whether a response with a 2xx status arrived.
    pub ok: bool,
    /// The last response's status, if any response arrived.
    pub status: Option<u16>,
    /// The last response's body: its JSON, its text as a JSON string when it is not
    /// JSON, `null` when empty; `None` when no response arrived.
    pub response: Option<Json>,
    /// How many attempts were made (1 + retries used).
    pub attempts: u32,
    /// Why no usable response arrived (connection error, timeout, body too large); never
    /// holds the URL or a header.
    pub error: Option<String>,
}

impl HttpOutcome {
    /// The `result` event that feeds this outcome back to the session.
    pub fn into_event(self) -> Event {
        Event::Result {
            ok: self.ok,
            status: self.status,
            response: self.response,
            output: None,
        }
    }

    fn failed(attempts: u32, error: String) -> HttpOutcome {
        HttpOutcome {
            ok: false,
            status: None,
            response: None,
            attempts,
            error: Some(error),
        }
    }
}

/// The parts of one request action that every attempt (and every redirect hop) sends
/// again: one value, so `attempt` and `send` take it instead of each listing the parts.
struct Request<'a> {
    method: reqwest::Method,
    headers: &'a Map<String, Json>,
    body: &'a Json,
    timeout: Duration,
    idempotency_key: &'a str,
}

/// One attempt's result: a response, or an error and whether it may be retried.
enum Attempt {
    Response(u16, Json),
    Failed { error: String, retryable: bool },
}

impl HttpClient {
    /// A client with rustls and a connection pool.
    pub fn new() -> Result<HttpClient, HttpError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("procc/", env!("CARGO_PKG_VERSION")))
            // Redirects are followed by `attempt` alone, under procc's policy: reqwest's
            // default forwards custom secret headers and bodies to other hosts.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| HttpError(e.without_url()))?;
        Ok(HttpClient {
            client,
            backoff_base: BACKOFF_BASE,
        })
    }

    /// The same client with another first-retry backoff ceiling (tests use a short one).
    pub fn with_backoff_base(mut self, base: Duration) -> HttpClient {
        self.backoff_base = base;
        self
    }

    /// Performs an [`Action::Request`] (anything else gives an outcome with `ok: false`
    /// and an error): retries on connection errors, timeouts and 5xx with exponential
    /// backoff and jitter, clamps the timeout (default 10 s, at most 60 s), and sends
    /// the request's `Idempotency-Key` on every non-GET attempt.
    pub async fn perform(&self, request: &Action) -> HttpOutcome {
        let Action::Request {
            method,
            url,
            headers,
            body,
            timeout_ms,
            idempotency_key,
            retry,
            carries_secret,
            ..
        } = request
        else {
            return HttpOutcome::failed(0, "not an HTTP request".to_owned());
        };
        let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
            return HttpOutcome::failed(0, format!("invalid HTTP method {method:?}"));
        };
        let follow = method == reqwest::Method::GET && !carries_secret;
        let request = Request {
            method,
            headers,
            body,
            timeout: clamp_timeout(*timeout_ms),
            idempotency_key,
        };
        let attempts_allowed = u32::from(*retry) + 1;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.attempt(&request, url, follow).await;
            let retryable = match &result {
                Attempt::Response(status, _) => *status >= 500,
                Attempt::Failed { retryable, .. } => *retryable,
            };
            if retryable && attempt < attempts_allowed {
                tokio::time::sleep(self.backoff(attempt)).await;
                continue;
            }
            return match result {
                Attempt::Response(status, response) => HttpOutcome {
                    ok: (200..300).contains(&status),
                    status: Some(status),
                    response: Some(response),
                    attempts: attempt,
                    error: None,
                },
                Attempt::Failed { error, .. } => HttpOutcome::failed(attempt, error),
            };
        }
    }

    /// The pause after the `attempt`-th failed attempt: uniform in [0, base·2^(n-1)],
    /// capped (full jitter spreads the retries of many conversations apart).
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .backoff_base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(BACKOFF_CAP);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }

    /// One attempt: the request to `url`, and (when `follow`) its same-origin redirects.
    async fn attempt(&self, request: &Request<'_>, url: &str, follow: bool) -> Attempt {
        let mut url = url.to_owned();
        let mut hops = 0;
        loop {
            let (result, location) = self.send(request, &url).await;
            if follow
                && hops < MAX_REDIRECTS
                && let Some(target) = location.and_then(|l| same_origin_target(&url, &l))
            {
                hops += 1;
                url = target;
                continue;
            }
            // A redirect not followed is the answer: a failure with its 3xx status.
            return result;
        }
    }

    /// Sends once to `url`; with the answer, the `Location` of a 3xx response.
    async fn send(&self, request: &Request<'_>, url: &str) -> (Attempt, Option<String>) {
        let Request {
            ref method,
            headers,
            body,
            timeout,
            idempotency_key,
        } = *request;
        let mut builder = self.client.request(method.clone(), url).timeout(timeout);
        let mut has_key = false;
        for (name, value) in headers {
            let value = match value {
                Json::Null => continue,
                Json::String(text) => text.clone(),
                other => other.to_string(),
            };
            has_key |= name.eq_ignore_ascii_case("idempotency-key");
            builder = builder.header(name.as_str(), value);
        }
        if *method != reqwest::Method::GET && !has_key && !idempotency_key.is_empty() {
            builder = builder.header("Idempotency-Key", idempotency_key);
        }
        if !body.is_null() {
            builder = builder.json(body);
        }
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(error) => return (failure(error), None),
        };
        let status = response.status();
        let location = status
            .is_redirection()
            .then(|| response.headers().get(reqwest::header::LOCATION))
            .flatten()
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                        let error = format!("response body larger than {MAX_RESPONSE_BYTES} bytes");
                        return (
                            Attempt::Failed {
                                error,
                                retryable: false,
                            },
                            None,
                        );
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => return (failure(error), None),
            }
        }
        (
            Attempt::Response(status.as_u16(), body_json(&bytes)),
            location,
        )
    }
}

/// Where a redirect from `from` to `location` leads, when that is the same origin
/// (scheme, host and port): a redirect never carries a request to another host.
fn same_origin_target(from: &str, location: &str) -> Option<String> {
    let from = reqwest::Url::parse(from).ok()?;
    let to = from.join(location).ok()?;
    let same = from.scheme() == to.scheme()
        && from.host_str() == to.host_str()
        && from.port_or_known_default() == to.port_or_known_default();
    same.then(|| to.to_string())
}

/// The per-attempt timeout for a request's `timeout_ms`.
pub fn clamp_timeout(timeout_ms: u64) -> Duration {
    if timeout_ms == 0 {
        DEFAULT_TIMEOUT
    } else {
        Duration::from_millis(timeout_ms).min(MAX_TIMEOUT)
    }
}

/// A response body as the `response` of a result.
fn body_json(bytes: &[u8]) -> Json {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Json::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// A transport error, without its URL; connection errors and timeouts may be retried.
fn failure(error: reqwest::Error) -> Attempt {
    let dropped = connection_dropped(&error);
    let retryable = error.is_connect() || error.is_timeout() || dropped;
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() || dropped {
        "connection failed"
    } else {
        "request failed"
    };
    let error = error.without_url();
    Attempt::Failed {
        error: format!("{kind}: {}", error_chain(&error)),
        retryable,
    }
}

/// Whether the server closed or reset the connection before its answer was complete
/// (hyper's "connection closed before message completed"): a failure of the transport
/// like a refused connection, so `retry` applies (a repeated non-GET request carries the
/// same `Idempotency-Key`).
fn connection_dropped(error: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let hyper_closed = cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(|e| e.is_incomplete_message() || e.is_closed());
        let io_dropped = cause.downcast_ref::<std::io::Error>().is_some_and(|e| {
            matches!(
                e.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        });
        if hyper_closed || io_dropped {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The error and its sources, joined (reqwest's own text is often just "error sending
/// request"; the cause says what happened).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_clamped() {
        assert_eq!(clamp_timeout(0), DEFAULT_TIMEOUT);
        assert_eq!(clamp_timeout(250), Duration::from_millis(250));
        assert_eq!(clamp_timeout(3_600_000), MAX_TIMEOUT);
    }

    #[test]
    fn bodies() {
        assert_eq!(body_json(b""), Json::Null);
        assert_eq!(body_json(b" \n"), Json::Null);
        assert_eq!(body_json(br#"{"a":1}"#), serde_json::json!({"a": 1}));
        assert_eq!(body_json(b"plain text"), Json::String("plain text".into()));
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let client = HttpClient::new().unwrap();
        for attempt in 1..10 {
            let ceiling = BACKOFF_BASE
                .saturating_mul(1 << (attempt - 1))
                .min(BACKOFF_CAP);
            assert!(client.backoff(attempt) <= ceiling);
        }
    }

    #[tokio::test]
    async fn other_actions_are_not_performed() {
        let client = HttpClient::new().unwrap();
        let outcome = client.perform(&Action::Say { text: "hi".into() }).await;
        assert!(!outcome.ok);
        assert_eq!(outcome.attempts, 0);
        assert!(outcome.error.is_some());
    }
}
