//! The stable diagnostic codes of semantic analysis. Each has a row in
//! `docs/diagnostics.md` and a UI test `tests/ui/<CODE>_<name>.proc`.

/// `use std::MODULE` names a module the standard library does not have.
pub const UNKNOWN_MODULE: &str = "E0100";
/// `use std::MODULE::{name}` names something the module does not declare.
pub const UNKNOWN_IMPORT: &str = "E0101";
/// Two declarations (or two local variables, attributes, fields) share a name.
pub const DUPLICATE_NAME: &str = "E0102";
/// A name that nothing declares.
pub const UNKNOWN_NAME: &str = "E0103";
/// A name that is declared, but as something else than the place needs.
pub const WRONG_KIND_OF_NAME: &str = "E0104";
/// A name that exists but cannot be used in this place.
pub const NOT_AVAILABLE_HERE: &str = "E0105";

/// A value of one type where another is needed.
pub const TYPE_MISMATCH: &str = "E0110";
/// An optional value used where a value is needed.
pub const OPTIONAL_VALUE: &str = "E0111";
/// `??` or `exists` on a value that cannot be absent.
pub const NOT_OPTIONAL: &str = "E0112";
/// A built-in called with the wrong number of arguments.
pub const WRONG_ARITY: &str = "E0113";
/// Field access on something that has no such field.
pub const NO_SUCH_FIELD: &str = "E0114";
/// An operator applied to operands it is not defined for.
pub const BAD_OPERANDS: &str = "E0116";
/// An invalid regular expression in `matches`, or a pattern that is not a literal.
pub const INVALID_REGEX: &str = "E0117";

/// `attempts` lower than 1.
pub const BAD_ATTEMPTS: &str = "E0120";
/// A variable block item (`ask`, `when`, `default`, `attempts`, `choices`,
/// `suggestions`, `invalid`) given twice.
pub const DUPLICATE_VAR_ITEM: &str = "E0121";
/// A `one_of` with an empty or repeated choice.
pub const BAD_CHOICES: &str = "E0122";
/// Refinement types that refine each other in a circle.
pub const TYPE_CYCLE: &str = "E0123";

/// A procedure without an item its kind requires (or without `label`).
pub const MISSING_ITEM: &str = "E0131";
/// An item that belongs to another kind of procedure.
pub const ITEM_IN_WRONG_KIND: &str = "E0132";
/// An item that may appear only once, given twice.
pub const DUPLICATE_ITEM: &str = "E0133";
/// `irreversible` without an `approve` step.
pub const IRREVERSIBLE_WITHOUT_APPROVE: &str = "E0135";
/// Both `irreversible` and `reversible`.
pub const REVERSIBLE_AND_IRREVERSIBLE: &str = "E0136";
/// `open` does not give an input the component declares.
pub const MISSING_INPUT: &str = "E0138";
/// `open` gives an input the component does not declare.
pub const UNKNOWN_INPUT: &str = "E0139";
/// A local variable named like a conversation variable.
pub const LOCAL_SHADOWS_CONVERSATION: &str = "E0141";
/// An HTTP method other than GET, POST, PUT, PATCH, DELETE.
pub const BAD_METHOD: &str = "E0143";
/// A request timeout above 60 s (or zero).
pub const BAD_TIMEOUT: &str = "E0144";
/// A request retry count above 5.
pub const BAD_RETRY: &str = "E0145";
/// A URL template that is not an absolute http(s) URL.
pub const INVALID_URL: &str = "E0146";
/// JavaScript that does not parse.
pub const INVALID_JAVASCRIPT: &str = "E0147";

/// A secret flowing anywhere but request headers, query and body, or through an
/// operator, a built-in or a condition there.
pub const SECRET_FLOW: &str = "E0160";

/// A value interpolated into a URL's scheme, host or port.
pub const URL_VALUE_IN_ORIGIN: &str = "E0161";
/// A URL template whose own path has a `.` or `..` segment.
pub const URL_DOT_SEGMENT: &str = "E0162";

/// Variables whose `ask`, `when`, `check` or `default` depend on each other in a circle.
pub const VARIABLE_CYCLE: &str = "E0190";
/// An `if` condition that is not a `bool`.
pub const IF_NOT_BOOL: &str = "E0191";
/// `reason`, `status` or `response` (or `result`) outside the blocks that have them.
pub const OUTCOME_NAME_OUTSIDE: &str = "E0192";
/// `then` hand-overs that can come back to a procedure.
pub const THEN_CYCLE: &str = "E0193";
/// A statement after a `then` in its block, or after the `if` it stands in.
pub const THEN_NOT_LAST: &str = "E0194";
/// `then` in `on cancelled`.
pub const THEN_IN_CANCELLED: &str = "E0195";
/// `on denied` in a procedure without `approve`.
pub const DENIED_WITHOUT_APPROVE: &str = "E0196";

/// `expect done P OUTCOME` with an unknown outcome.
pub const UNKNOWN_OUTCOME: &str = "E0170";

/// A text literal where a date is expected that is not a real `YYYY-MM-DD` day.
pub const INVALID_DATE: &str = "E0200";
/// A time-zone literal (`today(ZONE)`, `hour(ZONE)`) the IANA database does not know.
pub const UNKNOWN_TIME_ZONE: &str = "E0201";
/// The branches of an `if … then … else` expression have no common type.
pub const IF_BRANCH_TYPES: &str = "E0202";
/// The condition of an `if … then … else` expression is not a `bool`.
pub const IF_CONDITION: &str = "E0203";
/// The condition of a `require` is not a `bool`.
pub const REQUIRE_CONDITION: &str = "E0204";
/// `expect error CODE` with a code the protocol never gives.
pub const UNKNOWN_ERROR_CODE: &str = "E0205";
/// `at` in a test with a time that is not RFC 3339.
pub const INVALID_TIME: &str = "E0206";

/// A lookup whose method is not `GET` and that is not a `reversible` `POST`.
pub const LOOKUP_NOT_A_READ: &str = "E0210";
/// A `choices` or `suggestions` expression that is not a `[text]`.
pub const CHOICES_NOT_TEXT_LIST: &str = "E0220";
/// `choices` on a variable that is not a `text` or a `[text]`.
pub const CHOICES_ON_WRONG_TYPE: &str = "E0221";
/// A list type whose items are optional (`[T?]`).
pub const OPTIONAL_LIST_ITEM: &str = "E0222";

/// A procedure that nothing can offer.
pub const NEVER_OFFERED: &str = "W0100";
/// A conversation variable nothing needs or mentions.
pub const UNUSED_VAR: &str = "W0101";
/// A source or FAQ no trigger uses.
pub const UNUSED_KNOWLEDGE: &str = "W0102";
/// An audience no procedure uses.
pub const UNUSED_AUDIENCE: &str = "W0103";
/// A non-GET `api_call` neither `irreversible` nor `reversible`.
pub const UNMARKED_API_CALL: &str = "W0104";
/// A `live_chat` procedure without `escalation`.
pub const LIVE_CHAT_WITHOUT_ESCALATION: &str = "W0105";
/// A lookup nothing mentions (so nothing ever fetches it).
pub const UNUSED_LOOKUP: &str = "W0106";

/// A chunk (an expression, a template, a procedure body) longer than a bundle allows.
pub const CHUNK_TOO_LONG: &str = "E0180";
/// An expression that needs more values at once than a bundle's stack holds.
pub const TOO_MANY_VALUES: &str = "E0181";
/// A regex whose compiled form is larger than a bundle allows.
pub const REGEX_TOO_LARGE: &str = "E0182";
/// The regexes of a project together are larger than a bundle allows.
pub const REGEXES_TOO_LARGE: &str = "E0183";
/// A list, object, template or request with more parts than a bundle can count.
pub const TOO_MANY_PARTS: &str = "E0184";
/// Generated code the verifier refused for another reason (a compiler defect, located).
pub const VERIFIER_REFUSED: &str = "E0189";
