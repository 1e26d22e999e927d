//! `procc fmt`: the command through the binary, and the formatter's properties over every
//! `.proc` file of the repository and over generated inputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::format::{FormatError, format_source, format_tokens};
use procc::syntax::tokens::{TokenKind, tokenize};
use proptest::prelude::*;
use support::procc;

/// Every `.proc` file of the repository (not `target/`), sorted.
fn repository_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && !name.to_string_lossy().starts_with('.') {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "proc") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(Path::new(env!("CARGO_MANIFEST_DIR")), &mut files);
    files.sort();
    assert!(files.len() > 20, "found only {files:?}");
    files
}

/// The repository's files that format: path, text, formatted text (computed once).
fn formattable() -> &'static [(PathBuf, String, String)] {
    static FILES: std::sync::OnceLock<Vec<(PathBuf, String, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        repository_files()
            .into_iter()
            .filter_map(|path| {
                let text = read(&path);
                let formatted = format_source(&text).ok()?;
                Some((path, text, formatted))
            })
            .collect()
    })
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The comments of a text, trimmed at the end, as a multiset.
fn comments(text: &str) -> BTreeMap<String, usize> {
    let mut found = BTreeMap::new();
    for token in tokenize(text) {
        if matches!(token.kind, TokenKind::Comment | TokenKind::DocComment) {
            *found
                .entry(text[token.span].trim_end().to_string())
                .or_default() += 1;
        }
    }
    found
}

/// What `check` says about a file checked on its own: each diagnostic's code and
/// message, and its line counted in non-blank lines (the n-th non-blank line stays the
/// n-th under formatting, while collapsing blank lines moves absolute line numbers).
fn check_summary(text: &str) -> Vec<(String, String, usize)> {
    let mut sources = Sources::new();
    sources.add("file.proc", text);
    let compilation = compile(sources);
    let mut summary: Vec<(String, String, usize)> = compilation
        .diagnostics
        .iter()
        .map(|d| {
            let line = if d.file.0 == 0 {
                let before = &text[..d.span.start.min(text.len())];
                before.lines().filter(|l| !l.trim().is_empty()).count()
            } else {
                0
            };
            (d.code.to_string(), d.message.clone(), line)
        })
        .collect();
    summary.sort();
    summary
}

#[test]
fn examples_and_stdlib_are_formatted() {
    let output = procc()
        .args(["fmt", "--check", "examples", "stdlib"])
        .output()
        .expect("procc runs");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "",
        "run `procc fmt examples stdlib`"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn every_repository_file_keeps_its_meaning_and_comments() {
    let mut formatted_count = 0;
    for path in repository_files() {
        let text = read(&path);
        let formatted = match format_source(&text) {
            Ok(formatted) => formatted,
            Err(FormatError::Syntax(_)) => continue,
            Err(error) => panic!("{}: {error}", path.display()),
        };
        formatted_count += 1;
        let again = format_source(&formatted).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(again, formatted, "{}: not idempotent", path.display());
        assert_eq!(
            comments(&formatted),
            comments(&text),
            "{}: comments",
            path.display()
        );
        assert_eq!(
            check_summary(&formatted),
            check_summary(&text),
            "{}: check",
            path.display()
        );
    }
    assert!(formatted_count > 20);
}

#[test]
fn files_with_syntax_errors_are_refused() {
    let broken: Vec<PathBuf> = repository_files()
        .into_iter()
        .filter(|path| matches!(format_source(&read(path)), Err(FormatError::Syntax(_))))
        .collect();
    // The UI tests hold the syntax errors; each is refused, not rewritten.
    assert!(!broken.is_empty());
}

/// Rewrites the spacing of `text` without touching its tokens or its line structure:
/// every run of spaces and every gap between two tokens gets other spacing, every blank
/// line more blank lines, and lines may end in `\r\n`.
fn respace(text: &str, choices: &[u8]) -> String {
    let mut out = String::new();
    let mut choice = choices.iter().cycle();
    let mut next = || *choice.next().unwrap_or(&0);
    let tokens = tokenize(text);
    for (i, token) in tokens.iter().enumerate() {
        let slice = &text[token.span.clone()];
        match token.kind {
            TokenKind::Whitespace => out.push_str(["", " ", "\t", "   "][next() as usize % 4]),
            TokenKind::Newline => {
                let blank = i > 0 && tokens[i - 1].kind == TokenKind::Newline
                    || i > 1
                        && tokens[i - 1].kind == TokenKind::Whitespace
                        && tokens[i - 2].kind == TokenKind::Newline;
                out.push_str(if next() % 2 == 0 { "\n" } else { "\r\n" });
                if blank && next() % 2 == 0 {
                    out.push_str(" \n\n");
                }
            }
            _ => {
                out.push_str(slice);
                let follows = tokens.get(i + 1).map(|t| t.kind);
                let glued = follows.is_some_and(|k| !k.is_trivia());
                if glued && next() % 3 == 0 {
                    out.push(' ');
                }
            }
        }
    }
    out
}

/// Runs of spaces that separate two tokens may not vanish (`a b` is not `ab`).
fn respace_safely(text: &str, choices: &[u8]) -> String {
    let candidate = respace(text, choices);
    let kinds = |t: &str| -> Vec<(TokenKind, String)> {
        tokenize(t)
            .into_iter()
            .filter(|x| !matches!(x.kind, TokenKind::Whitespace | TokenKind::Newline))
            .map(|x| (x.kind, t[x.span].trim_end().to_string()))
            .collect()
    };
    if kinds(&candidate) == kinds(text) {
        candidate
    } else {
        // Removing the space between two tokens joined them: keep the original.
        text.to_string()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Two files that differ only in indentation, spacing, blank lines and line endings
    /// format to the same bytes.
    #[test]
    fn spacing_does_not_matter(index in 0usize..1000, choices in proptest::collection::vec(0u8..12, 1..40)) {
        let files = formattable();
        let (path, text, expected) = &files[index % files.len()];
        let respaced = respace_safely(text, &choices);
        let actual = format_source(&respaced).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&actual, expected, "{}", path.display());
    }

    /// Any token soup lays out without losing a token or a comment, idempotently.
    #[test]
    fn token_layout_is_idempotent_on_any_tokens(parts in proptest::collection::vec(
        prop_oneof![
            Just("a"), Just("b1"), Just("{"), Just("}"), Just("("), Just(")"), Just("["),
            Just("]"), Just(","), Just(":"), Just("::"), Just("."), Just("="), Just("=="),
            Just("-"), Just("?"), Just("??"), Just("/"), Just("*"), Just("12"), Just("5ms"),
            Just("3.5"), Just("\"s {a} t\""), Just("\"\""), Just("// c  "), Just("/// d"),
            Just("\n"), Just("\n\n\n"), Just(" "), Just("\t"), Just("\"\"\"r\n  x \"\"\""),
            Just("and"), Just("not"),
        ],
        0..80,
    )) {
        let text: String = parts.concat();
        // Adjacent pieces may lex as other tokens (`=` `=`); the stream is what it is.
        let Ok(once) = format_tokens(&text) else {
            return Err(TestCaseError::fail(format!("refused {text:?}")));
        };
        let twice = format_tokens(&once).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(comments(&once), comments(&text));
    }
}

#[test]
fn check_lists_rewrite_changes_and_broken_files_are_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let messy = dir.path().join("messy.proc");
    let clean = dir.path().join("clean.proc");
    let broken = dir.path().join("broken.proc");
    let messy_text = "secret   a\n\n\n\n// keep me   \nsecret b\n";
    std::fs::write(&messy, messy_text).expect("write");
    std::fs::write(&clean, "secret c\n").expect("write");
    std::fs::write(
        &broken,
        "secret d\nprocedure x: follow_up {\n  label \"oops\n}\n",
    )
    .expect("write");
    let broken_text = read(&broken);

    let checked = procc()
        .arg("fmt")
        .arg("--check")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(checked.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&checked.stdout),
        format!("{}\n", messy.display())
    );
    assert!(String::from_utf8_lossy(&checked.stderr).contains("broken.proc"));
    assert_eq!(read(&messy), messy_text, "--check changes nothing");

    let written = procc().arg("fmt").arg(dir.path()).output().expect("runs");
    assert_eq!(
        written.status.code(),
        Some(1),
        "the broken file is reported"
    );
    assert_eq!(read(&messy), "secret a\n\n// keep me\nsecret b\n");
    assert_eq!(read(&broken), broken_text);
    assert_eq!(String::from_utf8_lossy(&written.stdout), "");

    std::fs::remove_file(&broken).expect("remove");
    let again = procc()
        .arg("fmt")
        .arg("--check")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let missing = procc().args(["fmt", "no/such/dir"]).output().expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    let nothing = procc().arg("fmt").output().expect("runs");
    assert_eq!(nothing.status.code(), Some(2));
}
