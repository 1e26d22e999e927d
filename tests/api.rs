//! The embedding API: a host runs a bundle `procc build` wrote using the crate root's
//! items only (load, conversations, inputs, outputs, snapshots, errors).
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::process::Command;
use std::sync::Arc;

use procc::{
    Action, BundleError, Conversations, Input, LoadError, Program, Tier, Verified, parse_input_line,
};

const HELP: &str = r#"procedure more: follow_up {
  label "More help"
  question "More help"
  trigger always
}
"#;

/// The bytes of a bundle built from `HELP` by the `procc` binary.
fn bundle() -> Vec<u8> {
    bundle_of(HELP)
}

/// The bytes of a bundle built from `source` by the `procc` binary.
fn bundle_of(source: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("help.proc"), source).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(["build", "help.proc", "-o", "help.procb"])
        .current_dir(dir.path())
        .output()
        .expect("procc runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(dir.path().join("help.procb")).expect("the bundle")
}

fn input(line: &str) -> Input {
    parse_input_line(line).expect("a valid input")
}

#[test]
fn a_host_runs_a_bundle_through_the_crate_root() {
    let program = Arc::new(Program::load(&bundle()).expect("a valid bundle"));
    let mut conversations = Conversations::with_seed(program, [1; 32]);
    conversations.handle(input(
        r#"{"conversation":"c1","event":"start","customer":{}}"#,
    ));
    let step = conversations.handle(input(r#"{"conversation":"c1","event":"message"}"#));
    assert!(
        matches!(&step.outputs[0].action, Action::Offer { .. }),
        "{:?}",
        step.outputs
    );
    let snapshot = conversations.snapshot("c1").expect("a snapshot");
    let mut elsewhere = Conversations::with_seed(conversations.program().clone(), [2; 32]);
    elsewhere.restore("c1", &snapshot).expect("restores");
    let step = elsewhere.handle(input(
        r#"{"conversation":"c1","event":"click","procedure":"more"}"#,
    ));
    assert!(
        step.outputs
            .iter()
            .any(|o| matches!(&o.action, Action::Done { .. })),
        "{:?}",
        step.outputs
    );
}

#[test]
fn bytes_that_are_not_a_bundle_are_a_load_error() {
    let error = Program::load(b"not a bundle").expect_err("refused");
    assert!(
        matches!(
            error,
            LoadError::Bundle(BundleError::TooShort { .. } | BundleError::BadMagic)
        ),
        "{error:?}"
    );
}

/// A module reaches a program only through the verifier: `Verified::new` refuses what
/// the verifier refuses, and what it passes runs without a second verification.
#[test]
fn only_a_verified_module_becomes_a_program() {
    let module = procc::bundle::decode(&bundle()).expect("decodes");
    let mut broken = module.clone();
    broken.procedures[0].body = 9_999;
    assert!(Verified::new(broken).is_err());
    let verified = Verified::new(module).expect("verifies");
    let program = Program::from_verified(verified, Tier::Interpreted).expect("prepares");
    assert_eq!(program.native_guards(), 0);
}

/// `if` conditions are reported in `Step::branches` only by a program that asked for it
/// (`procc test --coverage` does); a host's program reports none.
#[test]
fn a_branch_trace_is_given_only_when_asked_for() {
    const BRANCHY: &str = r#"customer {
  plan: text
}

procedure more: follow_up {
  label "More help"
  question "More help"
  trigger always
  on success {
    if customer.plan == "pro" { say "Pro." } else if customer.plan == "free" { say "Free." } else { say "Hello." }
  }
}
"#;
    let bytes = bundle_of(BRANCHY);
    let click = |program: Program| {
        let mut conversations = Conversations::new(Arc::new(program));
        for line in [
            r#"{"conversation":"c1","event":"start","customer":{"plan":"free"}}"#,
            r#"{"conversation":"c1","event":"message"}"#,
        ] {
            conversations.handle(input(line));
        }
        conversations.handle(input(
            r#"{"conversation":"c1","event":"click","procedure":"more"}"#,
        ))
    };
    let plain = click(Program::load(&bytes).expect("a valid bundle"));
    assert!(plain.branches.is_empty(), "{:?}", plain.branches);
    let traced = click(
        Program::load(&bytes)
            .expect("a valid bundle")
            .with_branch_trace(),
    );
    assert_eq!(traced.outputs, plain.outputs);
    assert!(
        traced
            .outputs
            .iter()
            .any(|o| matches!(&o.action, Action::Say { text } if text == "Free.")),
        "{:?}",
        traced.outputs
    );
    let held: Vec<bool> = traced.branches.iter().map(|taken| taken.held).collect();
    assert_eq!(held, [false, true], "{:?}", traced.branches);
}
