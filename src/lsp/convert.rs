//! Conversions between the compiler's byte offsets and paths and the protocol's
//! positions (UTF-16 code units, as LSP counts by default) and URIs.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

use crate::syntax::ast::Span;

/// The line starts of a text, for offset ↔ position conversions.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { text, starts }
    }

    /// The protocol position of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let column: usize = self
            .text
            .get(start..offset)
            .map_or(0, |prefix| prefix.chars().map(char::len_utf16).sum());
        Position::new(line as u32, column as u32)
    }

    /// The protocol range of a byte span.
    pub fn range(&self, span: &Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a protocol position (clamped to its line and the text).
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let mut units = 0u32;
        for (at, ch) in self.text.get(start..end).unwrap_or("").char_indices() {
            if units >= position.character {
                return start + at;
            }
            units += ch.len_utf16() as u32;
        }
        end
    }
}

/// The `file://` URI of a path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let url = url::Url::from_file_path(absolute).ok()?;
    url.as_str().parse().ok()
}

/// The path of a `file://` URI.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "ab\né😀x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap_or_default();
        assert_eq!(index.position(x), Position::new(1, 3));
        assert_eq!(index.offset(Position::new(1, 3)), x);
        assert_eq!(index.offset(Position::new(0, 99)), 2);
        assert_eq!(index.offset(Position::new(9, 0)), text.len());
        assert_eq!(index.position(text.len()), Position::new(2, 0));
    }

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/a b/c.proc");
        let uri = path_to_uri(path);
        assert_eq!(
            uri.as_ref().map(|u| u.as_str()),
            Some("file:///tmp/a%20b/c.proc")
        );
        assert_eq!(uri.and_then(|u| uri_to_path(&u)), Some(path.to_path_buf()));
    }
}
