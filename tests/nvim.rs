//! `procc lsp` under a real editor: `scripts/nvim_lsp_check.sh` runs headless Neovim
//! against the binary and checks that its diagnostics arrive. Without `nvim` on the PATH
//! the test says so and passes, except under `CI=true`, where `.ci/run` installs Neovim
//! and its absence is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
use std::process::Command;

fn nvim_present() -> bool {
    Command::new("nvim")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn neovim_receives_the_diagnostics() {
    if !nvim_present() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "nvim is missing under CI=true: install it (apt-get install -y neovim)"
        );
        eprintln!("skipped: nvim is not installed (apt-get install -y neovim)");
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/nvim_lsp_check.sh");
    let output = Command::new("bash")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_procc"))
        .output()
        .expect("the script runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("6:E0103:unknown variable `emial`"),
        "{stdout}"
    );
    assert!(stdout.contains("did you mean `email`?"), "{stdout}");
}
