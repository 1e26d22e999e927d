//! Turning pest errors into `E0001` diagnostics: "expected X, Y or Z, found W", with
//! human names for grammar rules, the primary span on the offending token and a help line.

use pest::error::{ErrorVariant, InputLocation};

use super::ast::{FileId, Span};
use super::grammar::Rule;
use super::split::{is_declaration_keyword, token_at};
use super::tokens::{Token, TokenKind};
use crate::diagnostics::Diagnostic;

/// The code of a syntax error.
pub(crate) const SYNTAX: &str = "E0001";
/// The code of a string without its closing quote.
pub(crate) const UNTERMINATED_STRING: &str = "E0002";
/// The code of an unknown escape sequence.
pub(crate) const INVALID_ESCAPE: &str = "E0003";
/// The code of a number or duration that is out of range.
pub(crate) const INVALID_NUMBER: &str = "E0004";

/// The diagnostic for a pest error in the chunk that starts at `base` in `text`.
pub(crate) fn from_pest(
    error: &pest::error::Error<Rule>,
    file: FileId,
    text: &str,
    tokens: &[Token],
    base: usize,
) -> Diagnostic {
    let at = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    } + base;
    let (span, found) = offending(text, tokens, at);
    let expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => expected_names(positives),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let declaration = tokens
        .get(token_at(tokens, base).unwrap_or(0))
        .and_then(|t| text.get(t.span.clone()))
        .unwrap_or_default();
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.as_slice(),
        ErrorVariant::CustomError { .. } => &[],
    };
    let help = slip_help(positives, &expected, text, tokens, at, &span)
        .unwrap_or_else(|| help_for(&expected, text, &span, declaration));
    let short = join_or(&expected);
    let label = if !expected.is_empty() && expected.len() <= 3 && short.len() <= 40 {
        format!("expected {short}")
    } else {
        format!("unexpected {found}")
    };
    Diagnostic::error(SYNTAX, message, file, span)
        .with_primary_label(label)
        .with_help(help)
}

/// The token at the error (skipping trivia) and how to name it.
fn offending(text: &str, tokens: &[Token], at: usize) -> (Span, String) {
    let at = at.min(text.len());
    let Some(mut index) = token_at(tokens, at) else {
        return (at..at, "end of file".to_string());
    };
    // An error inside a token (a string's interpolation) points at that character.
    if let Some(token) = tokens.get(index)
        && token.span.start < at
        && at < token.span.end
    {
        let ch = text.get(at..).and_then(|rest| rest.chars().next());
        return match ch {
            Some(ch) => (at..at + ch.len_utf8(), format!("`{ch}`")),
            None => (at..at, "end of file".to_string()),
        };
    }
    while tokens
        .get(index)
        .is_some_and(|t| t.kind.is_trivia() || t.span.end <= at)
    {
        index += 1;
    }
    match tokens.get(index) {
        Some(token) => (token.span.clone(), describe(text, token)),
        None => (text.len()..text.len(), "end of file".to_string()),
    }
}

/// A human name for a token, e.g. "`procedure`", "a string", "number `42`".
pub(crate) fn describe(text: &str, token: &Token) -> String {
    let slice = text.get(token.span.clone()).unwrap_or_default();
    match token.kind {
        TokenKind::Ident | TokenKind::Unknown => format!("`{slice}`"),
        TokenKind::Int | TokenKind::Decimal => format!("number `{slice}`"),
        TokenKind::Duration => format!("duration `{slice}`"),
        TokenKind::String | TokenKind::UnterminatedString => "a string".to_string(),
        TokenKind::RawString | TokenKind::UnterminatedRawString => "a raw string".to_string(),
        TokenKind::Newline => "end of line".to_string(),
        TokenKind::Whitespace | TokenKind::Comment | TokenKind::DocComment => {
            "a comment".to_string()
        }
        _ => format!("`{slice}`"),
    }
}

/// Friendly, de-duplicated names of the expected rules, in pest's order.
fn expected_names(positives: &[Rule]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for rule in positives {
        let name = rule_name(*rule);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// "a, b or c".
fn join_or(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The keywords that may start an item where `rule` is expected, for "did you mean".
fn item_keywords(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::proc_item => &[
            "label",
            "description",
            "trigger",
            "audience",
            "when",
            "escalation",
            "irreversible",
            "reversible",
            "needs",
            "var",
            "lookup",
            "approve",
            "question",
            "url",
            "open",
            "topic",
            "queue",
            "note",
            "request",
            "returns",
            "script",
            "args",
            "on",
        ],
        Rule::var_item => &["ask", "when", "check", "default", "attempts"],
        Rule::lookup_item => &["request", "returns", "when", "reversible"],
        Rule::trigger => &["always", "negative_feedback", "unanswered", "source", "faq"],
        Rule::stmt => &["say", "save", "offer", "suggest"],
        Rule::request_part => &["header", "query", "body", "timeout", "retry"],
        Rule::test_step => &[
            "customer", "secret", "send", "click", "dismiss", "answer", "provide", "approve",
            "deny", "respond", "complete", "fail", "cancel", "expect", "at",
        ],
        _ => &[],
    }
}

/// Help for the common slips: a misspelt item keyword (`lable`), `=` for `==`, a
/// duration without its unit, a lone `{` in a string.
fn slip_help(
    positives: &[Rule],
    expected: &[String],
    text: &str,
    tokens: &[Token],
    at: usize,
    span: &Span,
) -> Option<String> {
    let found = text.get(span.clone()).unwrap_or_default();
    let wants = |name: &str| expected.iter().any(|e| e == name);
    if let Some(brace) = lone_brace(text, tokens, at) {
        return Some(brace);
    }
    let token = token_at(tokens, span.start).and_then(|index| tokens.get(index));
    let is_number = token.is_some_and(|t| matches!(t.kind, TokenKind::Int | TokenKind::Decimal));
    if wants(&rule_name(Rule::duration)) && is_number {
        return Some(format!(
            "a duration needs its unit: `{found}s`, `{found}ms` or `{found}m`"
        ));
    }
    if found == "=" && !wants("`:`") {
        return Some(
            "`=` does not compare: write `==` to compare (and `!=` for not equal)".to_string(),
        );
    }
    if token.is_some_and(|t| t.kind == TokenKind::Ident) {
        // The keywords that may start what was expected, and the single keywords
        // expected as such ("`else`", "`message`").
        let quoted = expected.iter().filter_map(|name| {
            let word = name.strip_prefix('`')?.strip_suffix('`')?;
            word.chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
                .then_some(word)
        });
        let keywords = positives
            .iter()
            .flat_map(|rule| item_keywords(*rule).iter().copied())
            .chain(quoted);
        let closest = keywords
            .map(|keyword| (strsim::damerau_levenshtein(found, keyword), keyword))
            .filter(|(distance, keyword)| *distance <= 2 && *distance < keyword.len())
            .min();
        if let Some((_, keyword)) = closest {
            return Some(format!("did you mean `{keyword}`?"));
        }
    }
    None
}

/// When the error lies inside a string after a `{` that opens no valid interpolation:
/// how to write a brace.
fn lone_brace(text: &str, tokens: &[Token], at: usize) -> Option<String> {
    let token = tokens.get(token_at(tokens, at)?)?;
    let is_string = matches!(token.kind, TokenKind::String | TokenKind::RawString);
    if !is_string || at <= token.span.start || at >= token.span.end {
        return None;
    }
    // The string up to the error, the character at it included.
    let before = text
        .get(token.span.start..at + 1)
        .or_else(|| text.get(token.span.start..at))?;
    let opened = before.rfind('{')?;
    let closed = before.rfind('}');
    closed.is_none_or(|closed| closed < opened).then(|| {
        "`{` starts an interpolation; write `{{` for a brace (and `}}` for `}`)".to_string()
    })
}

/// A help line that suits what was expected and the declaration it is in.
fn help_for(expected: &[String], text: &str, span: &Span, declaration: &str) -> String {
    let found = text.get(span.clone()).unwrap_or_default();
    let wants = |name: &str| expected.iter().any(|e| e == name);
    if wants("`}`") && is_declaration_keyword(found) {
        "a `}` may be missing before this declaration".to_string()
    } else if wants("the end of the declaration") {
        "every declaration starts on its own line with a keyword such as `procedure` or `var`"
            .to_string()
    } else if wants("a string") && found.starts_with('{') {
        "text goes between double quotes: \"...\"".to_string()
    } else if found == "=" && wants("`:`") {
        "fields and types are written `name: value`".to_string()
    } else if let Some(form) = declaration_form(declaration) {
        format!("a `{declaration}` declaration is written {form}")
    } else {
        "a file is a list of declarations: `use`, `customer`, `source`, `faq`, `topic`, \
         `component`, `audience`, `secret`, `type`, `var`, `procedure` and `test`"
            .to_string()
    }
}

/// The general form of a declaration, by its keyword.
fn declaration_form(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "use" => "`use std::MODULE::{a, b}` or `use std::MODULE::*`",
        "customer" => "`customer { attr: TYPE, ... }`",
        "source" | "faq" | "topic" => "`KIND NAME = \"platform id\"`",
        "component" => "`component NAME = \"id\" { input { name: TYPE } output { name: TYPE } }`",
        "audience" => "`audience NAME = EXPR`",
        "secret" => "`secret NAME`",
        "type" => "`type NAME = BASE check EXPR else \"message\"`",
        "var" => {
            "`var NAME: TYPE { ask \"...\"  when EXPR  check EXPR else \"...\"  default EXPR  attempts N }`"
        }
        "lookup" => {
            "`lookup NAME { request GET \"url\" { ... }  returns { field: TYPE }  when EXPR }`"
        }
        "procedure" => "`procedure NAME: KIND { label \"...\"  trigger ...  ... }`",
        "test" => "`test \"name\" { send ...  click P  answer VALUE  expect ... }`",
        _ => return None,
    })
}

/// The human name of a grammar rule.
pub(crate) fn rule_name(rule: Rule) -> String {
    let fixed = match rule {
        Rule::EOI => "the end of the declaration",
        Rule::declaration | Rule::declaration_file => {
            "a declaration (`use`, `customer`, `source`, `faq`, `topic`, `component`, \
             `audience`, `secret`, `type`, `var`, `lookup`, `procedure` or `test`)"
        }
        Rule::ident | Rule::name => "a name",
        Rule::int_lit => "an integer",
        Rule::number | Rule::signed_number => "a number",
        Rule::duration => "a duration such as `250ms`, `5s` or `2m`",
        Rule::string | Rule::raw_string | Rule::str_text | Rule::str_rbrace => "a string",
        Rule::str_escape => "an escape sequence",
        Rule::str_lbrace_lit | Rule::str_rbrace_lit | Rule::str_quant | Rule::str_interp => "`{`",
        Rule::lbrace | Rule::object_lit => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket | Rule::list_lit => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::path_sep => "`::`",
        Rule::assign => "`=`",
        Rule::star => "`*`",
        Rule::question => "`?`",
        Rule::use_names => "`*`, `{` or a name",
        Rule::fields | Rule::field => "a field (`name: type`)",
        Rule::type_expr | Rule::one_of_type => "a type",
        Rule::component_block => "`input` or `output`",
        Rule::var_item => "a variable item (`ask`, `when`, `check`, `default` or `attempts`)",
        Rule::proc_item => {
            "a procedure item (`label`, `trigger`, `var`, `needs`, `approve`, `on success`, ...)"
        }
        Rule::trigger => {
            "a trigger (`always`, `negative_feedback`, `unanswered`, `source N` or `faq N`)"
        }
        Rule::request_part => "a request item (`header`, `query`, `body`, `timeout` or `retry`)",
        Rule::stmt => "a statement (`say`, `save`, `offer`, `suggest`, `if` or `then`)",
        Rule::stmt_block => "`{`",
        Rule::test_step => {
            "a test statement (`send`, `click`, `answer`, `provide`, `approve`, `respond`, \
             `expect`, ...)"
        }
        Rule::test_value => "a literal value",
        Rule::expectation => {
            "an expectation (`offer`, `no offer`, `ask`, `invalid`, `approve`, `say`, \
             `request`, `done`, ...)"
        }
        Rule::expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::arith
        | Rule::operand
        | Rule::paren => "an expression",
        Rule::call_args => "`(`",
        Rule::field_init => "a field (`name: value`)",
        Rule::field_access => "`.`",
        Rule::op_coalesce
        | Rule::kw_or
        | Rule::kw_and
        | Rule::kw_in
        | Rule::cmp_op
        | Rule::add_op
        | Rule::mul_op => "an operator",
        Rule::op_neg => "`-`",
        Rule::kw_neg_feedback => "`negative_feedback`",
        Rule::e_no_offer => "`no offer`",
        Rule::on_item => "`on success`, `on failure`, `on denied` or `on cancelled`",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    keyword_of(&format!("{rule:?}"))
}

/// The keyword that leads a rule, from the rule's name: `kw_label`, `label_item`,
/// `t_click`, `e_ask`, `use_decl`, `header_part`, `say_stmt` → "`label`", ... .
fn keyword_of(rule: &str) -> String {
    let word = rule
        .strip_prefix("kw_")
        .or_else(|| rule.strip_prefix("t_"))
        .or_else(|| rule.strip_prefix("e_"))
        .or_else(|| rule.strip_suffix("_item"))
        .or_else(|| rule.strip_suffix("_decl"))
        .or_else(|| rule.strip_suffix("_part"))
        .or_else(|| rule.strip_suffix("_stmt"))
        .unwrap_or(rule);
    match word {
        "knowledge" => "`source`, `faq` or `topic`".to_string(),
        "on" => "`on`".to_string(),
        other => format!("`{other}`"),
    }
}
