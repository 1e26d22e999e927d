//! Re-parsing a file after an edit: only the declarations whose text changed are parsed
//! again; the others keep their earlier parse, moved to where they now stand.
//!
//! [`super::parse_file`] parses each top-level declaration (a *chunk*, see
//! [`super::split`]) on its own, so a declaration's parse is a function of its text and
//! of two small pieces of context, and nothing else:
//!
//! - the `///` doc comments directly above it, which belong to the chunk before (trivia
//!   between declarations stays with the declaration above) but become the item's `doc`;
//! - the first token after it (the next declaration's keyword, or the end of the file):
//!   a syntax error at the chunk's end names it ("expected `}`, found `procedure`") and
//!   points at it.
//!
//! Every offset in the parse is the chunk's start plus a distance within the chunk (or
//! just past it, for that next token), so the parse of the same text with the same
//! context at another offset is the earlier one shifted by the distance moved
//! ([`super::offsets::shift`]). The cache is keyed by the exact text and context, not a
//! hash of them, so a reused parse can never be that of other text. A randomized test
//! (`tests` below) checks that the result equals a fresh [`super::parse_file`] whole:
//! items with every span, diagnostics, broken spans.
//!
//! `procc check` parses each file once and keeps using [`super::parse_file`]: building
//! the cache (a copy of each declaration's text and parse) would only cost it.

use std::collections::HashMap;

use super::ast::{FileId, Item, SourceFile, Span};
use super::offsets::shift;
use super::split::{Mode, doc_before, split};
use super::tokens::{Token, TokenKind, tokenize};
use super::{FileParser, parse_in_parallel};
use crate::diagnostics::Diagnostic;

/// Everything a declaration's parse depends on (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ChunkKey {
    /// The chunk's text, trailing trivia included.
    text: String,
    /// The doc comment directly above it, as the parser reads it.
    doc: Option<String>,
    /// The first token after it that is not trivia, or `None` at the end of the file.
    next: Option<(TokenKind, String)>,
}

/// The parse of one chunk, with the offset the chunk started at.
#[derive(Clone, Debug)]
struct ChunkParse {
    start: usize,
    items: Vec<Item>,
    diagnostics: Vec<Diagnostic>,
    broken: Vec<Span>,
}

impl ChunkParse {
    /// Moves the parse (every span, diagnostics' labels included) to a chunk at `start`.
    fn move_to(&mut self, start: usize) {
        shift(&mut self.items, self.start, start);
        shift(&mut self.diagnostics, self.start, start);
        shift(&mut self.broken, self.start, start);
        self.start = start;
    }
}

/// The parse of each declaration of one file's latest text, for [`parse_file_reusing`]
/// to reuse after the next edit. The default is empty (nothing to reuse).
#[derive(Clone, Debug, Default)]
pub struct ParseCache {
    /// The file the parses belong to (their diagnostics name it).
    file: Option<FileId>,
    chunks: HashMap<ChunkKey, ChunkParse>,
}

impl ParseCache {
    /// How many declarations it holds.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }
}

/// Parses `text` like [`super::parse_file`] (the result is the same, whatever
/// `previous` holds), reusing from `previous` the parse of each declaration whose text
/// and context did not change; returns the cache for the next edit.
pub fn parse_file_reusing(
    file: FileId,
    text: &str,
    previous: ParseCache,
) -> (SourceFile, Vec<Diagnostic>, ParseCache) {
    let mut old = if previous.file == Some(file) {
        previous.chunks
    } else {
        HashMap::new()
    };
    let tokens = tokenize(text);
    let chunks = split(text, &tokens, 0..text.len(), Mode::Normal);
    let keys: Vec<ChunkKey> = chunks
        .iter()
        .map(|chunk| key_of(text, &tokens, chunk))
        .collect();
    let mut found: Vec<Option<ChunkParse>> = keys.iter().map(|key| old.remove(key)).collect();
    let missing: Vec<Span> = chunks
        .iter()
        .zip(&found)
        .filter(|(_, parse)| parse.is_none())
        .map(|(chunk, _)| chunk.clone())
        .collect();
    let bytes = missing.iter().map(|chunk| chunk.len()).sum();
    let parse_run = |run: &[Span]| {
        run.iter()
            .map(|chunk| parse_chunk(file, text, &tokens, chunk))
            .collect::<Vec<_>>()
    };
    let mut fresh = parse_in_parallel(bytes, &missing, parse_run)
        .into_iter()
        .flatten();
    let mut source = SourceFile {
        id: file,
        items: Vec::new(),
        broken: Vec::new(),
    };
    let mut diagnostics = Vec::new();
    let mut cache = ParseCache {
        file: Some(file),
        chunks: HashMap::with_capacity(chunks.len()),
    };
    for ((chunk, key), slot) in chunks.iter().zip(keys).zip(&mut found) {
        // `fresh` holds the parses of the chunks not found, in order. (Of two twin
        // chunks, same text and context, only the first finds the earlier parse.)
        let Some(mut parse) = slot.take().or_else(|| fresh.next()) else {
            continue;
        };
        parse.move_to(chunk.start);
        source.items.extend(parse.items.iter().cloned());
        diagnostics.extend(parse.diagnostics.iter().cloned());
        source.broken.extend(parse.broken.iter().cloned());
        cache.chunks.insert(key, parse);
    }
    (source, diagnostics, cache)
}

/// The key of `chunk`: its text and the context its parse reads.
fn key_of(text: &str, tokens: &[Token], chunk: &Span) -> ChunkKey {
    let after = tokens.partition_point(|t| t.span.start < chunk.end);
    let next = tokens[after..]
        .iter()
        .find(|t| !t.kind.is_trivia())
        .map(|t| {
            (
                t.kind,
                text.get(t.span.clone()).unwrap_or_default().to_string(),
            )
        });
    ChunkKey {
        text: text.get(chunk.clone()).unwrap_or_default().to_string(),
        doc: doc_before(text, tokens, chunk.start),
        next,
    }
}

/// Parses one chunk as [`super::parse_file`] does.
fn parse_chunk(file: FileId, text: &str, tokens: &[Token], chunk: &Span) -> ChunkParse {
    let mut parser = FileParser::new(file, text, tokens);
    parser.chunk(chunk.clone(), true);
    ChunkParse {
        start: chunk.start,
        items: parser.items,
        diagnostics: parser.diagnostics,
        broken: parser.broken,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::syntax::parse_file;

    /// Real files: every kind of declaration, item, statement and test step.
    const CORPUS: &[&str] = &[
        include_str!("../../examples/bank/bank.proc"),
        include_str!("../../examples/webshop/tests.proc"),
        include_str!("../../examples/public_service/city.proc"),
        include_str!("../../examples/saas/tests.proc"),
        // Declarations cut short, whose errors name the keyword that follows them.
        "audience a =\nsecret s\naudience b =\nprocedure p: follow_up {\n  label \"x\"\n}\n\
         secret\ntest \"t\" {\n  send unanswered\n}\ntype t =\nvar v: int {\n}\naudience c =\n",
    ];

    /// Text inserted by the edits: pieces that break a declaration (brackets, quotes,
    /// stray characters, half an item), doc comments, and whole new declarations.
    const SNIPPETS: &[&str] = &[
        "}",
        "{",
        "\n",
        " ",
        "x",
        "\"",
        "'",
        "#",
        "(",
        "=",
        "1",
        "label",
        "9999999999999999999999",
        "\"a {b\"",
        "/// a doc comment\n",
        "// a comment\n",
        "secret added\n",
        "procedure added: follow_up {\n  label \"Added\"\n  question \"Why?\"\n}\n",
        "var added: int {\n  ask \"How many?\"\n  when customer.plan == \"x\" and 1 + 2 * 3 > 4\n}\n",
        "test \"added\" {\n  send message \"hi\"\n  expect no offer\n}\n",
        "procedure broken: follow_up {\n  label \"Unclosed\n",
        "type t = text check len(value) > 0 else \"empty {value}\"\n",
        "audience incomplete =\n",
        "secret\n",
    ];

    /// The keywords a declaration's first word is renamed to.
    const KEYWORDS: &[&str] = &["secret", "procedure", "test", "audience", "lookup"];

    /// One edit: where (any number, taken modulo the text's length), what, and whether
    /// it snaps to the start of the next declaration.
    #[derive(Clone, Debug)]
    enum Edit {
        Insert {
            at: usize,
            snippet: usize,
            line_start: bool,
        },
        Delete {
            at: usize,
            len: usize,
        },
        /// Replaces the first word of the next declaration with a declaration keyword.
        Rename {
            at: usize,
            keyword: usize,
        },
        /// Deletes the first `}` alone on its line after `at`: the declaration it
        /// closes then runs into the next one.
        DeleteCloser {
            at: usize,
        },
    }

    /// The largest char boundary at or before `at`.
    fn boundary(text: &str, mut at: usize) -> usize {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// The start of the first line at or after `at` that starts with a letter (a
    /// top-level declaration in the corpus), or the end of the text.
    fn declaration_at_or_after(text: &str, at: usize) -> usize {
        let line = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
        let mut starts = std::iter::once(line)
            .chain(text[line..].match_indices('\n').map(|(i, _)| line + i + 1))
            .filter(|&start| start >= at || start == line);
        starts
            .find(|&start| text[start..].starts_with(|c: char| c.is_ascii_lowercase()))
            .unwrap_or(text.len())
    }

    fn apply(text: &mut String, edit: &Edit) {
        match *edit {
            Edit::Insert {
                at,
                snippet,
                line_start,
            } => {
                let mut at = boundary(text, at % (text.len() + 1));
                if line_start {
                    at = declaration_at_or_after(text, at);
                }
                text.insert_str(at, SNIPPETS[snippet % SNIPPETS.len()]);
            }
            Edit::Rename { at, keyword } => {
                let start = declaration_at_or_after(text, boundary(text, at % (text.len() + 1)));
                let end = text[start..]
                    .find(|c: char| !c.is_ascii_lowercase())
                    .map_or(text.len(), |len| start + len);
                text.replace_range(start..end, KEYWORDS[keyword % KEYWORDS.len()]);
            }
            Edit::DeleteCloser { at } => {
                let from = boundary(text, at % (text.len() + 1));
                if let Some(found) = text[from..].find("\n}\n") {
                    let start = from + found + 1;
                    text.replace_range(start..start + 2, "");
                }
            }
            Edit::Delete { at, len } => {
                let start = boundary(text, at % (text.len() + 1));
                let end = boundary(text, start + len);
                text.replace_range(start..end, "");
            }
        }
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(
                |(at, snippet, line_start)| {
                    Edit::Insert {
                        at,
                        snippet,
                        line_start,
                    }
                }
            ),
            (any::<usize>(), 0usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
            any::<usize>().prop_map(|at| Edit::DeleteCloser { at }),
            (any::<usize>(), any::<usize>()).prop_map(|(at, keyword)| Edit::Rename { at, keyword }),
        ]
    }

    /// Parses each text in turn, each time reusing the cache of the one before, and
    /// checks every result against a fresh parse.
    fn check_sequence(texts: &[String]) {
        let file = FileId(3);
        let mut cache = ParseCache::default();
        for text in texts {
            let (source, diagnostics, next) = parse_file_reusing(file, text, cache);
            let (fresh_source, fresh_diagnostics) = parse_file(file, text);
            assert_eq!(
                source, fresh_source,
                "items or broken spans differ for:\n{text}"
            );
            assert_eq!(
                diagnostics, fresh_diagnostics,
                "diagnostics differ for:\n{text}"
            );
            cache = next;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// The heart of the cache's correctness: after any sequence of edits, inside or
        /// between declarations, breaking them or adding new ones, the incremental parse
        /// is the fresh parse, every span and diagnostic included.
        #[test]
        fn reusing_parses_equal_fresh_parses(
            file in 0..CORPUS.len(),
            edits in prop::collection::vec(edit(), 1..10),
        ) {
            let mut text = CORPUS[file].to_string();
            let mut texts = vec![text.clone()];
            for edit in &edits {
                apply(&mut text, edit);
                texts.push(text.clone());
            }
            check_sequence(&texts);
        }
    }

    #[test]
    fn a_doc_comment_edited_above_a_declaration_changes_its_parse() {
        let before = "secret a\n/// old\nsecret b\n";
        let after = "secret a\n/// new\nsecret b\n";
        check_sequence(&[before.to_string(), after.to_string()]);
    }

    #[test]
    fn the_next_declaration_is_named_in_an_error_at_the_end_of_a_chunk() {
        // A declaration cut short at depth 0: the error is at its end.
        let broken = "audience a =\n";
        check_sequence(&[
            format!("{broken}secret s\n"),
            format!("{broken}test \"t\" {{\n}}\n"),
            broken.to_string(),
        ]);
    }

    #[test]
    fn twin_declarations_and_a_moved_declaration_reuse_their_parse() {
        let text =
            "secret a\nsecret a\nsecret a\nprocedure p: follow_up {\n  label \"{customer.x}\"\n}\n";
        let (_, _, cache) = parse_file_reusing(FileId(0), text, ParseCache::default());
        // The first two are twins (same text, same next keyword): one entry.
        assert_eq!(cache.len(), 3);
        let moved = format!("secret zzz\n{text}");
        check_sequence(&[text.to_string(), moved.clone()]);
        // The cache of another file's parse is not used: its diagnostics name that file.
        let (source, _, _) = parse_file_reusing(FileId(1), &moved, cache);
        assert_eq!(source, parse_file(FileId(1), &moved).0);
    }

    /// Every offset of a parse is visited: the parse of a text moved down by a few
    /// lines is the parse of the text, shifted. Run over the examples and the UI tests
    /// (which hold every syntax error).
    #[test]
    fn shifting_moves_every_offset_of_a_parse() {
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
        let mut texts: Vec<String> = CORPUS.iter().map(|t| t.to_string()).collect();
        for entry in std::fs::read_dir(ui).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|e| e == "proc")
                && let Ok(text) = std::fs::read_to_string(entry.path())
            {
                texts.push(text);
            }
        }
        // Text before the first declaration is a chunk that starts at 0 whatever
        // precedes it, so lines added above it join it instead of moving it.
        texts.retain(|text| {
            let tokens = tokenize(text);
            let first = tokens.iter().find(|t| !t.kind.is_trivia());
            first.is_none_or(|t| super::super::split::is_declaration_keyword(&text[t.span.clone()]))
        });
        assert!(texts.len() > 50, "the UI tests were not found");
        for text in texts {
            let (mut source, mut diagnostics) = parse_file(FileId(0), &text);
            shift(&mut source, 0, 3);
            shift(&mut diagnostics, 0, 3);
            let moved = parse_file(FileId(0), &format!("\n\n\n{text}"));
            assert_eq!((source, diagnostics), moved, "for:\n{text}");
        }
    }
}
