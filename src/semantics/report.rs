//! One function per diagnostic that more than one check reports, so that a code's
//! message, labels and help are written once (the codes are in [`super::codes`]).

use super::codes;
use super::symbols::Entry;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::Ident;

/// E0104: `name` (in `file`) is declared as something else than `what` ("a variable",
/// "a procedure"...); points at the declaration too.
pub(crate) fn wrong_kind_of_name(
    file: FileId,
    name: &Ident,
    entry: &Entry<'_>,
    what: &str,
) -> Diagnostic {
    Diagnostic::error(
        codes::WRONG_KIND_OF_NAME,
        format!("`{}` is {}, not {what}", name.name, entry.decl.describe()),
        file,
        name.span.clone(),
    )
    .with_primary_label(format!("expected {what}"))
    .with_label(entry.file, entry.name.span.clone(), "declared here")
}

/// E0133: an item that may appear once is given again at `span` (first at `first`);
/// `place` says where ("procedure `x`", "a request").
pub(crate) fn duplicate_item(
    file: FileId,
    keyword: &str,
    place: &str,
    span: &Span,
    first: &Span,
) -> Diagnostic {
    given_again(
        codes::DUPLICATE_ITEM,
        format!("`{keyword}` is given twice in {place}"),
        file,
        span,
        first,
    )
}

/// `code` with `message`: an item that may appear once is given again at `span` (first
/// at `first`). E0133 and a variable block's E0121 point at both places alike.
pub(crate) fn given_again(
    code: &'static str,
    message: String,
    file: FileId,
    span: &Span,
    first: &Span,
) -> Diagnostic {
    Diagnostic::error(code, message, file, span.clone())
        .with_primary_label("given again here")
        .with_label(file, first.clone(), "first given here")
}

/// E0112: `??` or `exists` on a value (at `span`) that is never absent; `what` says
/// which, `help` what to do.
pub(crate) fn never_absent(file: FileId, span: &Span, what: String, help: &str) -> Diagnostic {
    Diagnostic::error(codes::NOT_OPTIONAL, what, file, span.clone())
        .with_primary_label("always has a value")
        .with_help(help.to_owned())
}
