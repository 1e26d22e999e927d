//! Reading one protocol line with the `bad_input` rules of §7.

use serde_json::Value as Json;

use super::protocol::{Input, Output};
use super::session::error_output;

/// The fields each event cannot do without.
fn required(event: &str) -> Option<&'static [&'static str]> {
    Some(match event {
        "start" | "message" | "unanswered" | "cancel" | "end" => &[],
        "source" | "faq" => &["id"],
        "feedback" => &["value"],
        "click" | "dismiss" => &["procedure"],
        "answer" => &["var", "value"],
        "provide" => &["vars"],
        "approve" => &["granted"],
        "result" => &["ok"],
        _ => return None,
    })
}

/// Parses one input line. A line that is not JSON, not an object, has no string
/// `conversation`, names an unknown event, or lacks (or mistypes) a field the event
/// needs is refused with the `error` output to write back (`code` `bad_input`, carrying
/// `conversation` when it could be read).
#[allow(
    clippy::result_large_err,
    reason = "the error is the output line to write back; one per input"
)]
pub fn parse_input_line(line: &str) -> Result<Input, Output> {
    // A well-formed input reads straight into `Input`, in half the work of reading it as
    // JSON first (this runs once per event). Whatever that refuses is read again the
    // careful way, which accepts the same inputs and says what is wrong with the others;
    // the fast way accepts nothing the careful way refuses (every field `required`
    // lists is a non-optional field of its event, and a repeated key is refused),
    // which the tests check.
    if let Ok(input) = serde_json::from_str::<Input>(line) {
        return Ok(input);
    }
    parse_input_carefully(line)
}

/// [`parse_input_line`] through a JSON value: every check of §7, each with its message.
#[allow(
    clippy::result_large_err,
    reason = "the error is the output line to write back; one per input"
)]
fn parse_input_carefully(line: &str) -> Result<Input, Output> {
    let bad = |conversation: Option<String>, message: String| {
        error_output(conversation, "bad_input", message)
    };
    let json: Json = serde_json::from_str(line).map_err(|e| bad(None, format!("not JSON: {e}")))?;
    parse_input_json(json).map_err(|(conversation, message)| bad(conversation, message))
}

/// Parses one input line as read from a byte stream: a line that is not UTF-8 text is
/// refused with `bad_input` like any other unreadable line (carrying `conversation` when
/// the rest of the line still names one), so one bad line never ends a stream.
#[allow(
    clippy::result_large_err,
    reason = "the error is the output line to write back; one per input"
)]
pub fn parse_input_bytes(line: &[u8]) -> Result<Input, Output> {
    match std::str::from_utf8(line) {
        Ok(text) => parse_input_line(text),
        Err(error) => {
            let conversation = serde_json::from_str::<Json>(&String::from_utf8_lossy(line))
                .ok()
                .and_then(|json| Some(json.get("conversation")?.as_str()?.to_owned()));
            Err(error_output(
                conversation,
                "bad_input",
                format!(
                    "the line is not valid UTF-8 text (at byte {})",
                    error.valid_up_to()
                ),
            ))
        }
    }
}

/// Parses one input already read as JSON; on failure, the conversation (when readable)
/// and why.
pub fn parse_input_json(json: Json) -> Result<Input, (Option<String>, String)> {
    let Json::Object(map) = &json else {
        return Err((None, "an input must be a JSON object".to_owned()));
    };
    let conversation = map
        .get("conversation")
        .and_then(Json::as_str)
        .map(str::to_owned);
    let Some(conv) = conversation.clone() else {
        return Err((
            None,
            "missing or non-string field `conversation`".to_owned(),
        ));
    };
    let Some(event) = map.get("event").and_then(Json::as_str).map(str::to_owned) else {
        return Err((Some(conv), "missing or non-string field `event`".to_owned()));
    };
    let Some(fields) = required(&event) else {
        return Err((Some(conv), format!("unknown event {event:?}")));
    };
    if let Some(missing) = fields.iter().find(|f| !map.contains_key(**f)) {
        return Err((
            Some(conv),
            format!("event {event:?} needs field `{missing}`"),
        ));
    }
    serde_json::from_value::<Input>(json)
        .map_err(|e| (conversation, format!("invalid {event:?} event: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::protocol::{Action, Event};

    fn code_and_conv(line: &str) -> (String, Option<String>) {
        match parse_input_line(line) {
            Err(Output {
                conversation,
                action: Action::Error { code, .. },
            }) => (code, conversation),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(code_and_conv("{"), ("bad_input".into(), None));
        assert_eq!(code_and_conv("[1]"), ("bad_input".into(), None));
        assert_eq!(
            code_and_conv(r#"{"event":"message"}"#),
            ("bad_input".into(), None)
        );
        assert_eq!(
            code_and_conv(r#"{"conversation":"c","event":"dance"}"#),
            ("bad_input".into(), Some("c".into()))
        );
        // A missing or mistyped field still carries the conversation it could read.
        for line in [
            r#"{"conversation":"c","event":"answer","var":"x"}"#,
            r#"{"conversation":"c","event":"approve","granted":"yes"}"#,
            r#"{"conversation":"c","event":"feedback","value":"meh"}"#,
            r#"{"conversation":"c","event":"result","ok":true,"status":-1}"#,
        ] {
            assert_eq!(code_and_conv(line).1, Some("c".into()), "{line}");
        }
    }

    /// The fast way and the careful way agree on every line: both accept it with the
    /// same input, or the fast way refuses it (and the careful way decides).
    fn agrees(line: &str) {
        if let Ok(fast) = serde_json::from_str::<Input>(line) {
            assert_eq!(parse_input_carefully(line), Ok(fast), "{line}");
        }
    }

    #[test]
    fn the_fast_way_accepts_nothing_the_careful_way_refuses() {
        let events = [
            "start",
            "message",
            "source",
            "faq",
            "feedback",
            "unanswered",
            "click",
            "dismiss",
            "answer",
            "provide",
            "approve",
            "result",
            "cancel",
            "end",
            "dance",
        ];
        let fields = [
            r#""id":"s1""#,
            r#""value":"positive""#,
            r#""value":null"#,
            r#""value":{"a":[1,2.5,"x"]}"#,
            r#""procedure":"greet""#,
            r#""var":"name""#,
            r#""vars":{"name":"Ann"}"#,
            r#""granted":true"#,
            r#""granted":"yes""#,
            r#""ok":false"#,
            r#""status":404"#,
            r#""customer":{"plan":"pro"}"#,
            r#""secrets":{"token":"t"}"#,
            r#""text":"hi""#,
            r#""by":"agent-7""#,
            r#""at":"2026-03-02T09:30:00Z""#,
            r#""conversation":"other""#,
            r#""event":"end""#,
            r#""extra":1"#,
        ];
        for event in events {
            for a in 0..fields.len() {
                for b in a..fields.len() {
                    let line = format!(
                        r#"{{"conversation":"c","event":"{event}",{},{}}}"#,
                        fields[a], fields[b]
                    );
                    agrees(&line);
                }
                agrees(&format!(
                    r#"{{"conversation":"c","event":"{event}",{}}}"#,
                    fields[a]
                ));
                agrees(&format!(
                    r#"{{"event":"{event}",{},"conversation":7}}"#,
                    fields[a]
                ));
            }
        }
    }

    #[test]
    fn good_inputs() {
        let input =
            parse_input_line(r#"{"conversation":"c","event":"answer","var":"x","value":null}"#)
                .unwrap();
        assert_eq!(
            input.event,
            Event::Answer {
                var: "x".into(),
                value: Json::Null
            }
        );
        let input =
            parse_input_line(r#"{"event":"unanswered","conversation":"c","extra":1}"#).unwrap();
        assert_eq!(input.event, Event::Unanswered);
    }
}
