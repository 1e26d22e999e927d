//! Bytes per idle session: the snapshot of a conversation that has only started is
//! computed and stays small (the goal is at most 256 bytes; `cargo bench --bench
//! memory` prints the figure and the in-memory size).

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::sync::Arc;

use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::vm::{Conversations, Program, Session};

#[test]
fn an_idle_session_snapshot_is_small_and_restores() {
    let mut sources = Sources::new();
    sources.add(
        "idle.proc",
        r#"
customer { plan: text  orders: int  vip: bool? }
secret token
audience pro = customer.plan == "pro" and customer.orders > 0
faq help = "faq_help"
procedure more: follow_up {
  label "More help"
  question "More help?"
  audience pro
  trigger faq help
}
"#,
    );
    let compilation = compile(sources);
    assert!(!compilation.has_errors());
    let program = Arc::new(Program::new(compilation.generate().expect("lowers")).expect("runs"));
    let mut conversations = Conversations::new(Arc::clone(&program));
    conversations.handle_line(
        r#"{"conversation":"idle","event":"start","customer":{"plan":"pro","orders":3},"secrets":{"token":"t0k"}}"#,
    );
    let snapshot = conversations.snapshot("idle").expect("the session exists");
    assert!(
        snapshot.len() > 5,
        "header and state: {} bytes",
        snapshot.len()
    );
    assert!(snapshot.len() <= 256, "{} bytes", snapshot.len());
    let session = Session::from_snapshot(&program, &snapshot).expect("restores");
    assert_eq!(session.to_snapshot(&program), snapshot);
    assert_eq!(session.customer().len(), 3);
}
