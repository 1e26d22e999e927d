//! `parse_file` and `tokenize` never panic, on any bytes and on any soup of tokens, and
//! the token stream stays lossless.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use procc::syntax::ast::FileId;
use procc::syntax::parse_file;
use procc::syntax::tokens::tokenize;
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "use",
    "std",
    "::",
    "*",
    "customer",
    "source",
    "faq",
    "topic",
    "component",
    "input",
    "output",
    "audience",
    "secret",
    "type",
    "check",
    "else",
    "var",
    "procedure",
    "test",
    "one_of",
    "ask",
    "when",
    "default",
    "attempts",
    "label",
    "trigger",
    "always",
    "needs",
    "approve",
    "by",
    "staff",
    "open",
    "request",
    "POST",
    "header",
    "query",
    "body",
    "timeout",
    "retry",
    "returns",
    "script",
    "args",
    "on",
    "success",
    "failure",
    "say",
    "save",
    "offer",
    "send",
    "expect",
    "answer",
    "respond",
    "done",
    "not",
    "and",
    "or",
    "in",
    "true",
    "x",
    "value",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "==",
    "<",
    "?",
    "??",
    "+",
    "-",
    ".",
    "42",
    "-7",
    "3.25",
    "5s",
    "250ms",
    "99999999999999999999",
    "\"a\"",
    "\"{x}\"",
    "\"{2}\"",
    "\"\\q\"",
    "\"",
    "\"\"\"",
    "\"\"\"\n  a\n\"\"\"",
    "\n",
    " ",
    "// c\n",
    "/// d\n",
    "é",
    "!",
    "\\",
    "{{",
    "}}",
];

fn check(text: &str) -> Result<(), TestCaseError> {
    let tokens = tokenize(text);
    let rebuilt: String = tokens.iter().map(|t| &text[t.span.clone()]).collect();
    prop_assert_eq!(&rebuilt, text);
    let (file, diagnostics) = parse_file(FileId(0), text);
    for d in &diagnostics {
        prop_assert!(d.span.start <= d.span.end && d.span.end <= text.len());
        prop_assert!(d.code.starts_with("E000"));
    }
    for item in &file.items {
        prop_assert!(item.span.end <= text.len());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn any_token_soup(words in proptest::collection::vec(proptest::sample::select(WORDS), 0..80),
                      spaces in proptest::collection::vec(any::<bool>(), 80)) {
        let mut text = String::new();
        for (word, space) in words.iter().zip(spaces.iter().cycle()) {
            text.push_str(word);
            if *space {
                text.push(' ');
            }
        }
        check(&text)?;
    }

    #[test]
    fn mutations_of_the_contract_example(cut in 0usize..4000, insert in proptest::sample::select(WORDS)) {
        let example = include_str!("fixtures/contract_example.proc");
        let mut at = cut.min(example.len());
        while !example.is_char_boundary(at) {
            at -= 1;
        }
        let text = format!("{}{}{}", &example[..at], insert, &example[at..]);
        check(&text)?;
        let truncated = &example[..at];
        check(truncated)?;
    }
}
