//! Source files and positions: [`FileId`], [`Span`] and [`Sources`] (the texts of all
//! files of a build, with line/column lookup).
//!
//! Architecture invariant: this is a leaf module. It imports nothing from the crate, so
//! that the syntax stage (which produces spans) and the diagnostics utility (which renders
//! them) can both depend on it without depending on each other.

use std::ops::Range;
use std::sync::OnceLock;

/// A byte range into the text of one source file.
pub type Span = Range<usize>;

/// Index of a file in [`Sources`]; spans are only meaningful together with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

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
