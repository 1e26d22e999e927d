//! Projects on disk through the binary: `procc.toml` makes a folder one project for every
//! command and from any path inside it; `procc init`; and a file system that fights
//! back (symlink loops, FIFOs, devices, huge files).

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs procc in `dir` with `stdin`; a command still running after a generous deadline
/// is killed and fails the test (a guard against hanging, not a timing assertion).
fn procc_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("procc starts");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.as_bytes())
            .expect("stdin takes the input");
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("the child can be polled").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("procc {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("procc's output")
}

fn procc(dir: &Path, args: &[&str]) -> Output {
    procc_in(dir, args, "")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folders");
    }
    std::fs::write(path, text).expect("write a file");
}

const PROCEDURES: &str = r#"
var email: text { ask "Your email?" }

procedure contact: follow_up {
  label "Contact us"
  needs email
  question "How do I reach {email}?"
  trigger always
}
"#;

const TESTS: &str = r#"
test "a customer asks for contact" {
  send message "hello"
  expect offer contact
  click contact
  expect ask email
  answer "a@b.example"
  expect follow_up "How do I reach a@b.example?"
  expect done contact completed
}
"#;

/// `procs/` and `tests/` side by side, as authors lay them out.
fn layout(root: &Path, manifest: Option<&str>) {
    write(root, "procs/contact.proc", PROCEDURES);
    write(root, "tests/contact_test.proc", TESTS);
    if let Some(manifest) = manifest {
        write(root, "procc.toml", manifest);
    }
}

#[test]
fn without_a_manifest_each_folder_is_a_project_and_the_error_says_how_to_join_them() {
    let dir = tempfile::tempdir().unwrap();
    layout(dir.path(), None);
    let output = procc(dir.path(), &["test", "."]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("E0103"), "{err}");
    assert!(err.contains("procc.toml"), "{err}");
    assert!(err.contains("procc init"), "{err}");
}

#[test]
fn with_a_manifest_every_command_sees_the_whole_project_from_any_path_in_it() {
    let dir = tempfile::tempdir().unwrap();
    layout(dir.path(), Some("name = \"help_desk\"\n"));
    for args in [
        vec!["test", "."],
        vec!["test", "tests"],
        vec!["test", "tests/contact_test.proc"],
        vec!["test", "procs/contact.proc"],
    ] {
        let output = procc(dir.path(), &args);
        assert_eq!(code(&output), 0, "{args:?}: {}", stderr(&output));
        assert!(
            stdout(&output).contains("1 passed, 0 failed"),
            "{args:?}: {}",
            stdout(&output)
        );
    }
    let output = procc(dir.path(), &["check", "tests"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("checked 2 files"),
        "{}",
        stderr(&output)
    );
    let bundle = dir.path().join("out.procb");
    let output = procc(
        &dir.path().join("procs"),
        &["build", ".", "-o", bundle.to_str().unwrap()],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let conversation = "{\"conversation\":\"c\",\"event\":\"start\",\"customer\":{}}\n\
                        {\"conversation\":\"c\",\"event\":\"message\",\"text\":\"hi\"}\n";
    let output = procc_in(dir.path(), &["run", "tests"], conversation);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("\"contact\""),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_manifest_include_list_limits_the_project() {
    let dir = tempfile::tempdir().unwrap();
    layout(dir.path(), Some("name = \"x\"\ninclude = [\"procs\"]\n"));
    // The test file is outside the project: checking it alone sees no procedures.
    let output = procc(dir.path(), &["check", "."]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("checked 1 file"),
        "{}",
        stderr(&output)
    );
    let output = procc(dir.path(), &["test", "."]);
    assert!(
        stdout(&output).contains("0 passed, 0 failed"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_bad_manifest_is_a_located_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    layout(dir.path(), Some("nmae = \"x\"\n"));
    let output = procc(dir.path(), &["check", "procs"]);
    assert_eq!(code(&output), 2);
    let err = stderr(&output);
    assert!(err.contains("procc.toml"), "{err}");
    assert!(err.contains("nmae"), "{err}");
}

#[test]
fn init_creates_a_project_whose_test_passes_and_whose_sample_runs() {
    let dir = tempfile::tempdir().unwrap();
    let output = procc(dir.path(), &["init", "shop"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let root = dir.path().join("shop");
    let manifest = std::fs::read_to_string(root.join("procc.toml")).unwrap();
    assert!(manifest.contains("name = \"shop\""), "{manifest}");
    let output = procc(&root, &["test", "."]);
    assert_eq!(code(&output), 0, "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("1 passed, 0 failed"));
    let output = procc(&root, &["check", "--deny-warnings", "."]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let sample = std::fs::read_to_string(root.join("conversation.jsonl")).unwrap();
    let output = procc_in(&root, &["run", "."], &sample);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("\"redirect\""), "{out}");
    assert!(out.contains("\"completed\""), "{out}");
    assert!(!out.contains("\"error\""), "{out}");
    // A second init into the same, now non-empty, folder refuses.
    let output = procc(dir.path(), &["init", "shop"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("not empty"), "{}", stderr(&output));
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_followed_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a/contact.proc", PROCEDURES);
    // A loop back to the top, and two loops that would make a walk exponential.
    std::os::unix::fs::symlink(root, root.join("a/up")).unwrap();
    std::os::unix::fs::symlink(root.join("a"), root.join("a/again")).unwrap();
    std::os::unix::fs::symlink(root.join("a"), root.join("a/once_more")).unwrap();
    let output = procc(root, &["check", "."]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("checked 1 file:"),
        "{}",
        stderr(&output)
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_and_a_device_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "contact.proc", PROCEDURES);
    let fifo = root.join("x.proc");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|status| status.success()) {
        let output = procc(root, &["check", "."]);
        assert_eq!(code(&output), 2);
        assert!(
            stderr(&output).contains("not a regular file"),
            "{}",
            stderr(&output)
        );
        std::fs::remove_file(&fifo).unwrap();
    }
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.proc")).unwrap();
    let output = procc(root, &["check", "zero.proc"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("not a regular file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_file_over_the_size_cap_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.proc");
    // Sparse: the length is what counts, no disk is used.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(17 * 1024 * 1024).unwrap();
    let output = procc(dir.path(), &["check", "huge.proc"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("larger than 16 MiB"),
        "{}",
        stderr(&output)
    );
}
