//! Diagnostics shared by every compiler stage: a located message with a stable code,
//! secondary labels and a help line. Rendering (ariadne, JSON) lives in [`render`].
//!
//! This is a leaf utility: it depends on no stage, and every compiler stage may use it.

pub mod catalog;
pub mod render;

use std::sync::OnceLock;

use crate::syntax::ast::{FileId, Span};

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

impl Diagnostic {
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

/// The texts of all files of a build, indexed by [`FileId`]. The embedded standard
/// library is added here too, under paths like `std/types.proc`.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceText>,
    /// Per file, the byte offset of every line's start, computed on first use: the
    /// source map asks for the line of every instruction, so a scan from the start of
    /// the file each time would make code generation quadratic.
    line_starts: Vec<OnceLock<Vec<usize>>>,
}

/// One file's path (as shown to the user) and text.
#[derive(Clone, Debug)]
pub struct SourceText {
    /// The path as shown in diagnostics.
    pub path: String,
    /// The file's full text.
    pub text: String,
}

impl Sources {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceText {
            path: path.into(),
            text: text.into(),
        });
        self.line_starts.push(OnceLock::new());
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceText {
        &self.files[id.0 as usize]
    }

    /// All files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceText)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// How many files there are.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The 1-based (line, column) of a byte offset; columns count characters.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = &self.get(id).text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let starts = self.line_starts[id.0 as usize].get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        // The last line start at or before the offset (there is always line 1 at 0).
        let line = starts.partition_point(|&start| start <= offset).max(1);
        let line_start = starts[line - 1];
        let column = text[line_start..offset].chars().count() + 1;
        (line, column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
