//! Bounded fuzzing (proptest, small case counts so that `cargo test` stays quick) of the
//! four places hostile bytes enter procc: the front end (mutated real sources through
//! the whole `check`: parsing, analysis, generation, verification), the bundle loader
//! (mutated real bundles under a valid hash), the protocol line parser (arbitrary and
//! mutated lines, then handled), and the snapshot decoder (mutated real snapshots).
//! Nothing may panic, and a program `check` accepts must build. Every crash found is
//! kept below as a regression test (`regression_*`, with the issue's own cases);
//! proptest also records failing seeds in `proptest-regressions/fuzz.txt`.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::path::Path;
use std::sync::Arc;

use procc::bundle::{FORMAT_VERSION, MAGIC, encode, load};
use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::vm::{Conversations, Program, parse_input_bytes};
use proptest::prelude::*;

/// The webshop example's main file.
fn webshop_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/webshop/shop.proc");
    std::fs::read_to_string(path).expect("the example exists")
}

/// `check` on one file; when it accepts, the module must generate and load.
fn check_then_build(text: &str) {
    let mut sources = Sources::new();
    sources.add("fuzz.proc", text);
    let compilation = compile(sources);
    if !compilation.has_errors() {
        let module = compilation
            .generate()
            .unwrap_or_else(|e| panic!("check passed but build failed: {e}\n{text}"));
        load(&encode(&module)).expect("a generated bundle loads");
    }
}

/// Pieces of syntax worth splicing into a source.
const PIECES: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "??",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "{x}",
    ",",
    ":",
    ".",
    "not ",
    " and ",
    " or ",
    " in ",
    "==",
    "if ",
    " then ",
    " else ",
    "customer.",
    "matches(",
    "1",
    "9223372036854775808",
    "1e400",
    "\\",
    "\n",
    "}}",
    "{{",
    "\"\"\"",
];

/// One edit of a text: delete a range, insert a piece, or duplicate a range.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 0..PIECES.len()).prop_map(|(at, p)| Edit::Insert(at, p)),
        (any::<usize>(), 0usize..200).prop_map(|(at, n)| Edit::Duplicate(at, n)),
    ]
}

/// Applies edits on byte positions moved to the nearest character boundary.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_owned();
    let boundary = |text: &str, at: usize| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    for edit in edits {
        match *edit {
            Edit::Delete(at, n) => {
                let start = boundary(&text, at);
                let end = boundary(&text, start + n.min(text.len() - start));
                text.replace_range(start..end, "");
            }
            Edit::Insert(at, piece) => {
                let at = boundary(&text, at);
                text.insert_str(at, PIECES[piece]);
            }
            Edit::Duplicate(at, n) => {
                let start = boundary(&text, at);
                let end = boundary(&text, start + n.min(text.len() - start));
                let copy = text[start..end].to_owned();
                text.insert_str(end, &copy);
            }
        }
    }
    text
}

/// A payload under a freshly computed header, so a change reaches the decoder and the
/// verifier instead of stopping at the hash.
fn rehash(payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(blake3::hash(payload).as_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// The webshop's program.
fn webshop_program() -> Arc<Program> {
    let mut sources = Sources::new();
    sources.add("shop.proc", webshop_source());
    let module = compile(sources).generate().expect("the example builds");
    Arc::new(Program::new(module).expect("the example runs"))
}

/// Protocol lines that drive the webshop somewhere interesting.
const LINES: &[&str] = &[
    r#"{"conversation":"c","event":"start","customer":{"plan":"enterprise","country":"NL","orders":12,"vip":true}}"#,
    r#"{"conversation":"c","event":"message"}"#,
    r#"{"conversation":"c","event":"click","procedure":"book_demo"}"#,
    r#"{"conversation":"c","event":"answer","var":"email","value":"a@b.example"}"#,
    r#"{"conversation":"c","event":"answer","var":"seats","value":"60"}"#,
    r#"{"conversation":"c","event":"provide","vars":{"company":"ACME"}}"#,
    r#"{"conversation":"c","event":"result","ok":true,"output":{"slot":"9:00"}}"#,
    r#"{"conversation":"c","event":"cancel"}"#,
];

/// The webshop conversation after the first `n` lines.
fn conversation_after(program: &Arc<Program>, n: usize) -> Conversations {
    let mut conversations = Conversations::new(Arc::clone(program));
    for line in &LINES[..n] {
        conversations.handle_line(line);
    }
    conversations
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_sources_check_without_panicking_and_build_when_they_check(
        edits in prop::collection::vec(edit(), 1..6)
    ) {
        check_then_build(&apply(&webshop_source(), &edits));
    }

    #[test]
    fn mutated_bundles_load_or_are_refused(
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut sources = Sources::new();
        sources.add("shop.proc", webshop_source());
        let bytes = encode(&compile(sources).generate().expect("builds"));
        let mut payload = bytes[procc::bundle::format::HEADER_LEN..].to_vec();
        for (at, byte) in flips {
            let at = at % payload.len();
            payload[at] = byte;
        }
        if cut % 4 == 0 {
            payload.truncate(cut % (payload.len() + 1));
        }
        if let Ok(module) = load(&rehash(&payload)) {
            // What the verifier accepts must be safe to prepare and to run.
            if let Ok(program) = Program::new(module) {
                let mut conversations = Conversations::new(Arc::new(program));
                for line in LINES {
                    conversations.handle_line(line);
                }
            }
        }
    }

    #[test]
    fn arbitrary_protocol_lines_are_answered_without_panicking(
        line in prop::collection::vec(any::<u8>(), 0..200),
        base in 0..LINES.len(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
    ) {
        let program = webshop_program();
        let mut conversations = conversation_after(&program, 3);
        // Arbitrary bytes, and a real line with a few bytes changed.
        let mut mutated = LINES[base].as_bytes().to_vec();
        for (at, byte) in flips {
            let at = at % mutated.len();
            mutated[at] = byte;
        }
        for bytes in [line, mutated] {
            if let Ok(input) = parse_input_bytes(&bytes) {
                conversations.handle(input);
            }
        }
    }

    #[test]
    fn mutated_snapshots_restore_or_are_refused(
        after in 1..LINES.len(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let program = webshop_program();
        let conversations = conversation_after(&program, after);
        let Some(mut snapshot) = conversations.snapshot("c") else {
            return Ok(());
        };
        for (at, byte) in flips {
            let at = at % snapshot.len();
            snapshot[at] = byte;
        }
        if cut % 4 == 0 {
            snapshot.truncate(cut % (snapshot.len() + 1));
        }
        let mut restored = Conversations::new(Arc::clone(&program));
        if restored.restore("c", &snapshot).is_ok() {
            // A snapshot that decodes must be a session that can go on.
            for line in &LINES[1..] {
                restored.handle_line(line);
            }
        }
    }
}

/// From issue 13's adversarial campaign (before the spine loops): a flat chain deeper
/// than the stack (here 20,000 signs) aborted `check`.
#[test]
fn regression_flat_chain_of_signs() {
    let text = format!(
        "customer {{ n: int }}\naudience a = {}customer.n > 0\n",
        "-".repeat(20_000)
    );
    check_then_build(&text);
}

/// From issue 13's adversarial campaign: a list longer than the stack passed `check`
/// and failed `build`.
#[test]
fn regression_list_past_the_stack_is_a_diagnostic() {
    let items = vec!["1"; 300].join(",");
    let text = format!("customer {{ n: int }}\naudience a = customer.n in [{items}]\n");
    let mut sources = Sources::new();
    sources.add("fuzz.proc", text);
    let compilation = compile(sources);
    assert!(
        compilation.diagnostics.iter().any(|d| d.code == "E0181"),
        "{:?}",
        compilation.diagnostics
    );
}
