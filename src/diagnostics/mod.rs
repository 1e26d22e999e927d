//! Diagnostics shared by every compiler stage: a located message with a stable code,
//! secondary labels and a help line. Rendering (ariadne, JSON) lives in [`render`].
//!
//! A utility every compiler stage uses; it depends on no stage, only on the leaf
//! [`crate::source`] module (files, ids and spans).

pub mod catalog;
pub mod render;

use crate::source::{FileId, Span};
pub use crate::source::{SourceText, Sources};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Does not stop a build (unless `--deny-warnings`).
    Warning,
    /// Stops a build.
    Error,
}

/// A secondary location shown beside the primary one.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// The file it points into.
    pub file: FileId,
    /// The byte range.
    pub span: Span,
    /// What this location has to do with the problem.
    pub message: String,
}

/// One problem found in the sources.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code, e.g. `E0101` or `W0001` (see `docs/diagnostics.md`).
    pub code: &'static str,
    /// One sentence saying what is wrong.
    pub message: String,
    /// The file of the primary location.
    pub file: FileId,
    /// The primary byte range.
    pub span: Span,
    /// The label text under the primary location.
    pub primary_label: String,
    /// Secondary locations.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

/// Sorts diagnostics into the one order every stage and renderer uses: by file, then
/// start, then end, then code (source order, independent of which stage found what).
/// The human rendering shows the errors of this order before its warnings.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
}

impl Diagnostic {
    /// The key of the one order of diagnostics (see [`sort`]).
    pub fn order_key(&self) -> (FileId, usize, usize, &'static str) {
        (self.file, self.span.start, self.span.end, self.code)
    }

    /// An error with the given code and message at `span` in `file`.
    pub fn error(code: &'static str, message: impl Into<String>, file: FileId, span: Span) -> Self {
        Self::new(Severity::Error, code, message, file, span)
    }

    /// A warning with the given code and message at `span` in `file`.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        file: FileId,
        span: Span,
    ) -> Self {
        Self::new(Severity::Warning, code, message, file, span)
    }

    fn new(
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
        file: FileId,
        span: Span,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            file,
            span,
            primary_label: String::new(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// Sets the text under the primary location.
    pub fn with_primary_label(mut self, text: impl Into<String>) -> Self {
        self.primary_label = text.into();
        self
    }

    /// Adds a secondary location.
    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
