//! Running the `procc` binary from the CLI tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use procc::vm::{Conversations, Program};
use serde_json::{Value, json};

/// `procc` from the crate's root, with every stream piped.
pub(crate) fn procc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_procc"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `command` with `stdin` as its whole input; its output once it ends.
pub(crate) fn run_with_stdin(command: &mut Command, stdin: &str) -> Output {
    let mut child = command.spawn().expect("procc runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("procc ends")
}

/// The protocol outputs of a `procc run` that ended with exit code 0 (its stderr shown
/// otherwise): every stdout line, as JSON.
pub(crate) fn protocol_outputs(output: Output) -> Vec<Value> {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each output line is JSON"))
        .collect()
}

/// Runs `command` with `stdin` as its whole input, requires exit code 0, and gives every
/// line of its stdout as JSON (the protocol's outputs).
pub(crate) fn json_lines_of(command: &mut Command, stdin: &str) -> Vec<Value> {
    protocol_outputs(run_with_stdin(command, stdin))
}

/// The JSON lines of these protocol inputs, each given `"conversation": conversation`.
pub(crate) fn jsonl(conversation: &str, inputs: &[Value]) -> String {
    let mut lines = String::new();
    for input in inputs {
        let mut object = input.as_object().cloned().unwrap_or_default();
        object.insert("conversation".into(), conversation.into());
        lines.push_str(&Value::Object(object).to_string());
        lines.push('\n');
    }
    lines
}

/// Reads one HTTP/1.1 request's head and its body (by `Content-Length`); the body.
pub(crate) fn read_http_request(reader: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    body
}

/// Compiles one source file with the real compiler into a verified program.
#[cfg(feature = "compiler")]
pub(crate) fn program_of(path: &str, source: &str) -> Arc<Program> {
    let mut sources = procc::diagnostics::Sources::new();
    sources.add(path, source);
    let compilation = procc::compiler::compile(sources);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    let module = compilation.generate().expect("lowers");
    Arc::new(Program::new(module).expect("verifies"))
}

/// Sends one input to conversation `c`; its outputs as JSON.
pub(crate) fn send(c: &mut Conversations, input: Value) -> Vec<Value> {
    let mut input = input;
    input["conversation"] = json!("c");
    c.handle_line(&input.to_string())
        .outputs
        .iter()
        .map(|o| serde_json::to_value(o).expect("serialises"))
        .collect()
}
