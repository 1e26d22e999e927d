//! Hiding secret values where they really flow, for anything that shows outputs to a
//! person (`procc preview`, `procc test` failure messages).
//!
//! Rule 3 lets a secret into one place only: a `request`'s header values, query values
//! and body fields, as itself. So only there is a secret value replaced — never in a
//! URL's scheme, host or path, nor in any other output, where the same characters are
//! just text (a secret `x` must not turn `api.shop.example` into `api.shop.e••••ample`).

use serde_json::Value as Json;

use super::protocol::Action;
use super::url::percent_encode;

/// What a hidden secret value shows as.
pub const MASK: &str = "••••";

/// `action` with every value of `secrets` hidden where a secret may flow; other actions
/// come back unchanged. Empty secret values are ignored.
pub fn redact(action: &Action, secrets: &[&str]) -> Action {
    let Action::Request {
        url, headers, body, ..
    } = action
    else {
        return action.clone();
    };
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    // Longest first, so a secret containing another is hidden whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut redacted = action.clone();
    if let Action::Request {
        url: new_url,
        headers: new_headers,
        body: new_body,
        ..
    } = &mut redacted
    {
        *new_url = redact_query(url, &secrets);
        for (name, value) in headers {
            new_headers.insert(name.clone(), redact_json(value, &secrets));
        }
        *new_body = redact_json(body, &secrets);
    }
    redacted
}

fn hide(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .fold(text.to_owned(), |text, secret| text.replace(secret, MASK))
}

fn redact_json(value: &Json, secrets: &[&str]) -> Json {
    match value {
        Json::String(text) => Json::String(hide(text, secrets)),
        Json::Array(items) => Json::Array(items.iter().map(|v| redact_json(v, secrets)).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact_json(v, secrets)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The URL with secrets hidden in its query values only (where they stand
/// percent-encoded); scheme, host, path and fragment are kept.
fn redact_query(url: &str, secrets: &[&str]) -> String {
    let Some((head, rest)) = url.split_once('?') else {
        return url.to_owned();
    };
    let (query, fragment) = match rest.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (rest, None),
    };
    let encoded: Vec<String> = secrets.iter().map(|s| percent_encode(s)).collect();
    let encoded: Vec<&str> = encoded.iter().map(String::as_str).collect();
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => format!("{key}={}", hide(value, &encoded)),
            None => pair.to_owned(),
        })
        .collect();
    let mut out = format!("{head}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;

    fn request(url: &str, header: &str, body: Json) -> Action {
        let mut headers = Map::new();
        headers.insert("Authorization".into(), Json::String(header.into()));
        Action::Request {
            method: "POST".into(),
            url: url.into(),
            headers,
            body,
            timeout_ms: 0,
            idempotency_key: String::new(),
            retry: 0,
            lookup: None,
            carries_secret: true,
        }
    }

    #[test]
    fn only_where_secrets_flow() {
        let action = request(
            "https://api.example/x?key=a%20b&q=example#example",
            "Bearer example",
            json!({"k": "example", "n": ["example", 1]}),
        );
        let expected = request(
            "https://api.example/x?key=a%20b&q=••••#example",
            "Bearer ••••",
            json!({"k": "••••", "n": ["••••", 1]}),
        );
        assert_eq!(redact(&action, &["example", ""]), expected);
        let redirect = Action::Redirect {
            url: "https://shop.example/x".into(),
        };
        assert_eq!(redact(&redirect, &["x"]), redirect);
    }
}
