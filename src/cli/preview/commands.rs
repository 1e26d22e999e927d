//! What one line typed in `procc preview` means.
//!
//! Parsing is pure: the line and whether a question, an approval or an effect is pending
//! decide the command. Plain text is the customer's answer when a question is pending,
//! the response to a pending effect when one waits, and a customer message otherwise.

/// One command of the preview.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Command {
    /// `/help`.
    Help,
    /// `/quit` (also `/exit`).
    Quit,
    /// `/restart`: end the conversation and start a new one with the same profile.
    Restart,
    /// `/customer`: show the profile.
    Customer,
    /// `/events`: show the analytics events of this conversation.
    Events,
    /// A customer message (`/message TEXT`, or plain text when nothing is pending).
    Message(String),
    /// `/faq NAME_OR_ID`.
    Faq(String),
    /// `/source NAME_OR_ID`.
    Source(String),
    /// `/unanswered`.
    Unanswered,
    /// `/negative`.
    Negative,
    /// `/positive`.
    Positive,
    /// A number, or `/click N|NAME`: click a button of the last offer.
    Click(Target),
    /// `/dismiss N|NAME`.
    Dismiss(Target),
    /// An answer to the pending question (`/answer TEXT`, or plain text while asked).
    Answer(String),
    /// `/provide VAR VALUE`: a value the agent already knows.
    Provide(String, String),
    /// `/approve` (or `yes` while an approval is pending).
    Approve,
    /// `/deny` (or `no` while an approval is pending).
    Deny,
    /// `/send`: perform the pending HTTP request for real.
    Send,
    /// A typed-in result for the pending effect (`/result ...`, or plain text while one
    /// waits).
    Result(ResultSpec),
    /// `/cancel`: cancel the running procedure.
    Cancel,
    /// A line that cannot be understood, with the reason.
    Unknown(String),
    /// A blank line.
    Nothing,
}

/// Which button: by its number in the last offer, or by procedure name.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Target {
    /// 1-based position in the last offer.
    Number(usize),
    /// The procedure's name.
    Name(String),
}

/// A typed-in result for a pending effect.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum ResultSpec {
    /// `ok`, optionally with a JSON value (a component's output, a script's result).
    Ok(Option<serde_json::Value>),
    /// `fail`: the effect failed (for a request: no HTTP response at all).
    Fail,
    /// `STATUS [JSON]`: an HTTP status and the response body.
    Http(u16, Option<serde_json::Value>),
}

/// What is waiting for the author, which decides what plain text means.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) enum Pending {
    /// Nothing: plain text is a customer message.
    #[default]
    Nothing,
    /// A question for this variable: plain text is the answer.
    Ask(String),
    /// An approval: `yes`/`no` decide.
    Approval,
    /// An effect (request, component, script, live chat) waits for its result.
    Effect,
}

/// Parses one typed line.
pub(super) fn parse(line: &str, pending: &Pending) -> Command {
    let line = line.trim();
    if line.is_empty() {
        return Command::Nothing;
    }
    if let Some(rest) = line.strip_prefix('/') {
        let (word, arg) = match rest.split_once(char::is_whitespace) {
            Some((word, arg)) => (word, arg.trim()),
            None => (rest, ""),
        };
        return slash(word, arg);
    }
    if let Ok(number) = line.parse::<usize>()
        && !matches!(pending, Pending::Ask(_) | Pending::Effect)
    {
        return Command::Click(Target::Number(number));
    }
    match pending {
        Pending::Nothing => Command::Message(line.to_owned()),
        Pending::Ask(_) => Command::Answer(line.to_owned()),
        Pending::Approval => match line.to_ascii_lowercase().as_str() {
            "y" | "yes" | "approve" => Command::Approve,
            "n" | "no" | "deny" => Command::Deny,
            _ => Command::Unknown(
                "an approval is pending: answer yes or no (/approve, /deny)".to_owned(),
            ),
        },
        Pending::Effect => match parse_result(line) {
            Ok(spec) => Command::Result(spec),
            Err(why) => Command::Unknown(why),
        },
    }
}

/// A `/word arg` command.
fn slash(word: &str, arg: &str) -> Command {
    let needs_arg = |make: fn(String) -> Command, what: &str| {
        if arg.is_empty() {
            Command::Unknown(format!("/{word} needs {what}"))
        } else {
            make(arg.to_owned())
        }
    };
    match word.to_ascii_lowercase().as_str() {
        "help" | "h" | "?" => Command::Help,
        "quit" | "exit" | "q" => Command::Quit,
        "restart" => Command::Restart,
        "customer" | "profile" => Command::Customer,
        "events" => Command::Events,
        "message" | "msg" | "m" => needs_arg(Command::Message, "the customer's text"),
        "faq" => needs_arg(Command::Faq, "an FAQ's name or id"),
        "source" => needs_arg(Command::Source, "a source's name or id"),
        "unanswered" => Command::Unanswered,
        "negative" => Command::Negative,
        "positive" => Command::Positive,
        "click" => target(arg).map_or_else(
            || Command::Unknown("/click needs a button number or a procedure name".to_owned()),
            Command::Click,
        ),
        "dismiss" => target(arg).map_or_else(
            || Command::Unknown("/dismiss needs a button number or a procedure name".to_owned()),
            Command::Dismiss,
        ),
        "answer" | "a" => Command::Answer(arg.to_owned()),
        "provide" => match arg.split_once(char::is_whitespace) {
            Some((var, value)) => Command::Provide(var.to_owned(), value.trim().to_owned()),
            None => Command::Unknown("/provide needs a variable and a value".to_owned()),
        },
        "approve" | "yes" => Command::Approve,
        "deny" | "no" => Command::Deny,
        "send" => Command::Send,
        "result" | "respond" => match parse_result(arg) {
            Ok(spec) => Command::Result(spec),
            Err(why) => Command::Unknown(why),
        },
        "ok" => parse_result(&format!("ok {arg}")).map_or_else(Command::Unknown, Command::Result),
        "fail" => Command::Result(ResultSpec::Fail),
        "cancel" => Command::Cancel,
        _ => Command::Unknown(format!("unknown command /{word} (type /help)")),
    }
}

/// A button number or a procedure name.
fn target(arg: &str) -> Option<Target> {
    if arg.is_empty() {
        return None;
    }
    Some(match arg.parse::<usize>() {
        Ok(number) => Target::Number(number),
        Err(_) => Target::Name(arg.to_owned()),
    })
}

/// `ok [JSON]`, `fail`, or `STATUS [JSON]`.
pub(super) fn parse_result(text: &str) -> Result<ResultSpec, String> {
    let text = text.trim();
    let (head, rest) = match text.split_once(char::is_whitespace) {
        Some((head, rest)) => (head, rest.trim()),
        None => (text, ""),
    };
    let body = || -> Result<Option<serde_json::Value>, String> {
        if rest.is_empty() {
            Ok(None)
        } else {
            serde_json::from_str(rest)
                .map(Some)
                .map_err(|error| format!("the response is not JSON: {error}"))
        }
    };
    match head.to_ascii_lowercase().as_str() {
        "ok" => Ok(ResultSpec::Ok(body()?)),
        "fail" | "failed" if rest.is_empty() => Ok(ResultSpec::Fail),
        status => match status.parse::<u16>() {
            Ok(code) if (100..=599).contains(&code) => Ok(ResultSpec::Http(code, body()?)),
            _ => Err(
                "a result is `ok`, `ok {json}`, `fail`, or a status and a JSON body \
                 (`200 {\"id\": 1}`); /send performs a request for real"
                    .to_owned(),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_text_depends_on_what_is_pending() {
        assert_eq!(
            parse("hello", &Pending::Nothing),
            Command::Message("hello".into())
        );
        assert_eq!(
            parse("ann@example.com", &Pending::Ask("email".into())),
            Command::Answer("ann@example.com".into())
        );
        assert_eq!(parse("Yes", &Pending::Approval), Command::Approve);
        assert_eq!(parse("n", &Pending::Approval), Command::Deny);
        assert_eq!(
            parse("200 {\"a\": 1}", &Pending::Effect),
            Command::Result(ResultSpec::Http(200, Some(json!({"a": 1}))))
        );
        assert!(matches!(
            parse("maybe", &Pending::Effect),
            Command::Unknown(_)
        ));
    }

    #[test]
    fn numbers_click_unless_a_question_or_effect_waits() {
        assert_eq!(
            parse("2", &Pending::Nothing),
            Command::Click(Target::Number(2))
        );
        assert_eq!(
            parse("2", &Pending::Approval),
            Command::Click(Target::Number(2))
        );
        assert_eq!(
            parse("12", &Pending::Ask("seats".into())),
            Command::Answer("12".into())
        );
        assert_eq!(
            parse("/click refund_order", &Pending::Ask("x".into())),
            Command::Click(Target::Name("refund_order".into()))
        );
    }

    #[test]
    fn slash_commands() {
        let none = Pending::Nothing;
        assert_eq!(parse("/faq refunds", &none), Command::Faq("refunds".into()));
        assert_eq!(
            parse("/source  src_pricing ", &none),
            Command::Source("src_pricing".into())
        );
        assert_eq!(parse("/unanswered", &none), Command::Unanswered);
        assert_eq!(parse("/negative", &none), Command::Negative);
        assert_eq!(parse("/QUIT", &none), Command::Quit);
        assert_eq!(
            parse("/provide email a@b.co", &none),
            Command::Provide("email".into(), "a@b.co".into())
        );
        assert_eq!(
            parse("/ok {\"slot\": \"9:00\"}", &none),
            Command::Result(ResultSpec::Ok(Some(json!({"slot": "9:00"}))))
        );
        assert_eq!(
            parse("/result fail", &none),
            Command::Result(ResultSpec::Fail)
        );
        assert!(matches!(parse("/faq", &none), Command::Unknown(_)));
        assert!(matches!(parse("/frobnicate", &none), Command::Unknown(_)));
        assert_eq!(parse("   ", &none), Command::Nothing);
    }

    #[test]
    fn results() {
        assert_eq!(parse_result("ok"), Ok(ResultSpec::Ok(None)));
        assert_eq!(parse_result("503"), Ok(ResultSpec::Http(503, None)));
        assert!(parse_result("200 {bad").is_err());
        assert!(parse_result("999").is_err());
        assert!(parse_result("fail now").is_err());
    }
}
