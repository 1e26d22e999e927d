//! How each protocol output looks in the preview: as the customer (or, for a request,
//! the host) would see it, one readable block per output.

use procc::vm::Action;
use procc::vm::AnalyticsEvent;
use serde_json::Value as Json;

/// ANSI styling, or none.
#[derive(Clone, Copy, Debug)]
pub(super) struct Painter {
    /// Whether to emit ANSI colour codes.
    pub color: bool,
}

/// The colours the preview uses.
#[derive(Clone, Copy, Debug)]
pub(super) enum Tone {
    /// Offers and buttons.
    Offer,
    /// Questions and approvals.
    Ask,
    /// What the agent says.
    Say,
    /// An action the platform takes.
    Action,
    /// Refusals and errors.
    Bad,
    /// Hints and end of runs.
    Dim,
    /// Prompts.
    Prompt,
}

impl Painter {
    /// `text` in `tone`.
    pub(super) fn paint(&self, tone: Tone, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match tone {
            Tone::Offer => "1;36",
            Tone::Ask => "1;33",
            Tone::Say => "1;32",
            Tone::Action => "1;35",
            Tone::Bad => "1;31",
            Tone::Dim => "2",
            Tone::Prompt => "1;34",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// Hides secret values where they flow: in a `request`'s header, query and body values
/// ([`Redactor::action`], by the vm's one rule), and in a response shown back (which
/// may echo a secret: [`Redactor::apply`]). Nothing else is touched, so a secret `x`
/// leaves `api.shop.example` alone.
#[derive(Clone, Debug, Default)]
pub(super) struct Redactor {
    values: Vec<String>,
}

impl Redactor {
    /// A redactor for these secret values (empty ones are ignored).
    pub(super) fn new(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        // Longest first, so a secret containing another is hidden whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        Redactor { values }
    }

    /// An output with secret values hidden where rule 3 lets them flow.
    pub(super) fn action(&self, action: &Action) -> Action {
        let values: Vec<&str> = self.values.iter().map(String::as_str).collect();
        procc::vm::redact::redact(action, &values)
    }

    /// `text` (a response shown back) with every secret value hidden.
    pub(super) fn apply(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for value in &self.values {
            text = text.replace(value.as_str(), "••••");
        }
        text
    }
}

/// The lines showing one output.
pub(super) fn action(action: &Action, p: &Painter) -> Vec<String> {
    match action {
        Action::Offer { procedures } => {
            let mut lines = vec![p.paint(Tone::Offer, "offers:")];
            for (i, offered) in procedures.iter().enumerate() {
                let escalation = if offered.escalation {
                    p.paint(Tone::Dim, "  (hands off to a person)")
                } else {
                    String::new()
                };
                lines.push(format!(
                    "  {} {}{escalation}",
                    p.paint(Tone::Offer, &format!("[{}]", i + 1)),
                    offered.label
                ));
            }
            lines
        }
        Action::Ask {
            var,
            prompt,
            ty,
            choices,
            suggestions,
            multiple,
        } => {
            let ty = if *multiple {
                format!("[{ty}]")
            } else {
                ty.clone()
            };
            let mut lines = vec![format!(
                "{} {prompt}  {}",
                p.paint(Tone::Ask, "agent asks:"),
                p.paint(Tone::Dim, &format!("({var}: {ty})"))
            )];
            if let Some(choices) = choices {
                lines.push(format!("  choices: {}", choices.join(" | ")));
            }
            if let Some(suggestions) = suggestions.as_ref().filter(|s| !s.is_empty()) {
                lines.push(format!("  suggestions: {}", suggestions.join(" | ")));
            }
            if *multiple {
                lines.push(p.paint(Tone::Dim, "  (several answers: separate them with commas)"));
            }
            lines
        }
        Action::Invalid { var, message } => {
            vec![format!(
                "{} {message}",
                p.paint(Tone::Bad, &format!("invalid {var}:"))
            )]
        }
        Action::Approve { prompt, by } => vec![
            format!(
                "{} {prompt}",
                p.paint(Tone::Ask, &format!("approval by {by}:"))
            ),
            p.paint(Tone::Dim, "  (yes / no)"),
        ],
        Action::FollowUp { question } => {
            vec![format!(
                "{} {question}",
                p.paint(Tone::Action, "follow-up question:")
            )]
        }
        Action::Redirect { url } => vec![format!("{} {url}", p.paint(Tone::Action, "redirect to"))],
        Action::Component { component, input } => vec![
            format!("{} {component}", p.paint(Tone::Action, "component opens:")),
            format!("  input {}", compact(input)),
            p.paint(
                Tone::Dim,
                "  (the component's result: `ok {output json}`, `ok`, or `fail`)",
            ),
        ],
        Action::SwitchTopic { topic } => {
            vec![format!(
                "{} {topic}",
                p.paint(Tone::Action, "topic switched to")
            )]
        }
        Action::LiveChat { queue, note } => vec![
            format!(
                "{} queue {queue}",
                p.paint(Tone::Action, "handed to a person:")
            ),
            format!("  note: {note}"),
            p.paint(Tone::Dim, "  (the hand-off's result: `ok` or `fail`)"),
        ],
        Action::Request {
            method,
            url,
            headers,
            body,
            timeout_ms,
            retry,
            lookup,
            ..
        } => {
            let what = match lookup {
                Some(name) => format!("lookup {name}, HTTP request:"),
                None => "HTTP request:".to_owned(),
            };
            let mut lines = vec![format!("{} {method} {url}", p.paint(Tone::Action, &what))];
            for (name, value) in headers {
                let value = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                lines.push(format!("  header {name}: {value}"));
            }
            if !body.is_null() {
                lines.push(format!("  body {}", compact(body)));
            }
            lines.push(format!("  timeout {timeout_ms} ms, retry {retry}"));
            lines.push(p.paint(
                Tone::Dim,
                "  (/send performs it; or type the response: `200 {json}`, a status, `ok`, or `fail`)",
            ));
            lines
        }
        Action::Javascript { script, args } => {
            let mut lines = vec![format!(
                "{} args {}",
                p.paint(Tone::Action, "JavaScript runs in the page:"),
                compact(args)
            )];
            lines.extend(script.lines().map(|line| format!("  | {line}")));
            lines.push(p.paint(
                Tone::Dim,
                "  (the script's result: `ok {json}`, `ok`, or `fail`)",
            ));
            lines
        }
        Action::Say { text } => vec![format!("{} {text}", p.paint(Tone::Say, "agent says:"))],
        Action::Done {
            procedure,
            outcome,
            escalation,
        } => {
            let tone = if outcome == "completed" {
                Tone::Dim
            } else {
                Tone::Bad
            };
            let escalation = if *escalation { " (escalation)" } else { "" };
            vec![p.paint(tone, &format!("done: {procedure} {outcome}{escalation}"))]
        }
        Action::Error { code, message } => {
            vec![format!(
                "{} {message}",
                p.paint(Tone::Bad, &format!("error [{code}]:"))
            )]
        }
    }
}

/// One analytics event as a line: its kind, then its fields.
pub(super) fn event(event: &AnalyticsEvent) -> String {
    let json = serde_json::to_value(event).unwrap_or_default();
    let Json::Object(object) = json else {
        return String::new();
    };
    let kind = object
        .get("event")
        .and_then(Json::as_str)
        .unwrap_or("?")
        .to_owned();
    let fields: Vec<String> = object
        .iter()
        .filter(|(key, _)| *key != "event" && *key != "conversation")
        .map(|(key, value)| match value {
            Json::String(text) => format!("{key}={text}"),
            other => format!("{key}={other}"),
        })
        .collect();
    format!("{kind:<10} {}", fields.join(" "))
}

/// JSON on one line.
pub(super) fn compact(json: &Json) -> String {
    serde_json::to_string(json).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use procc::vm::EventKind;
    use serde_json::json;

    const PLAIN: Painter = Painter { color: false };

    #[test]
    fn offers_are_numbered_buttons() {
        let offer = Action::Offer {
            procedures: vec![
                procc::vm::protocol::Offered {
                    id: "a".into(),
                    label: "First".into(),
                    escalation: false,
                },
                procc::vm::protocol::Offered {
                    id: "b".into(),
                    label: "Person".into(),
                    escalation: true,
                },
            ],
        };
        assert_eq!(
            action(&offer, &PLAIN),
            vec![
                "offers:",
                "  [1] First",
                "  [2] Person  (hands off to a person)"
            ]
        );
    }

    #[test]
    fn colour_wraps_in_ansi_codes() {
        let p = Painter { color: true };
        assert_eq!(p.paint(Tone::Bad, "x"), "\x1b[1;31mx\x1b[0m");
    }

    #[test]
    fn redaction_hides_every_secret_value() {
        let r = Redactor::new(["t0k".to_owned(), String::new(), "t0ken".to_owned()]);
        assert_eq!(r.apply("Bearer t0ken and t0k"), "Bearer •••• and ••••");
    }

    #[test]
    fn events_as_lines() {
        let e = AnalyticsEvent {
            conversation: "c".into(),
            kind: EventKind::Done {
                procedure: "p".into(),
                outcome: "completed".into(),
                reason: None,
                escalation: false,
            },
        };
        assert_eq!(
            event(&e),
            "done       procedure=p outcome=completed escalation=false"
        );
        assert_eq!(compact(&json!({"a": [1]})), "{\"a\":[1]}");
    }
}
