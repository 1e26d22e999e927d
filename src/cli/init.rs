//! `procc init DIR`: creates a project an author can start from: `procc.toml`, a first
//! `.proc` file with a procedure and a passing `test`, and a sample conversation for
//! `procc run`.

use std::path::Path;

use super::{EXIT_OK, EXIT_USAGE};

/// The first `.proc` file's name.
const FIRST_FILE: &str = "procedures.proc";

/// The first procedure, with a test that passes: `procc test DIR` is green from the start.
const FIRST_PROCEDURES: &str = r#"// A first procedure and its test. `procc check .` checks them, `procc test .` runs the
// test, and `procc run . < conversation.jsonl` plays the sample conversation.

/// An order number as the shop prints it, e.g. AB123456.
type order_number = text check matches(value, "^[A-Z]{2}[0-9]{6}$") else "Order numbers look like AB123456."

/// Shows the customer the page of one of their orders.
procedure track_order: redirect {
  label "Track my order"
  var order_id: order_number { ask "What's your order number?" }
  url "https://shop.example/orders/{order_id}"
  trigger always
}

test "a customer tracks an order" {
  send message "Where is my parcel?"
  expect offer track_order
  click track_order
  expect ask order_id
  answer "nope"
  expect invalid order_id
  answer "AB123456"
  expect redirect "https://shop.example/orders/AB123456"
  expect done track_order completed
}
"#;

/// A conversation in the session protocol, one input a line.
const SAMPLE_CONVERSATION: &str = r#"{"conversation": "c1", "event": "start", "customer": {}}
{"conversation": "c1", "event": "message", "text": "Where is my parcel?"}
{"conversation": "c1", "event": "click", "procedure": "track_order"}
{"conversation": "c1", "event": "answer", "var": "order_id", "value": "AB123456"}
{"conversation": "c1", "event": "end"}
"#;

/// Creates the project in `dir` (created if missing); refuses a directory that holds files.
pub(super) fn run(dir: &Path) -> u8 {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                eprintln!(
                    "error: {} is not empty; `procc init` creates a project only in a new or empty folder",
                    dir.display()
                );
                return EXIT_USAGE;
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            eprintln!("error: cannot use {}: {error}", dir.display());
            return EXIT_USAGE;
        }
    }
    match create(dir) {
        Ok(()) => {
            eprintln!(
                "created project `{}` in {}: {}, {FIRST_FILE}, conversation.jsonl\n\
                 next: procc test {dir} and procc run {dir} < {dir}/conversation.jsonl",
                project_name(dir),
                dir.display(),
                procc::compiler::MANIFEST,
                dir = dir.display()
            );
            EXIT_OK
        }
        Err(error) => {
            eprintln!(
                "error: cannot create the project in {}: {error}",
                dir.display()
            );
            EXIT_USAGE
        }
    }
}

fn create(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let manifest = format!(
        "# A procc project: every .proc file below this folder is compiled together.\n\
         name = \"{}\"\n\
         # Optionally, only some files and folders: include = [\"procs\", \"tests\"]\n",
        project_name(dir)
    );
    std::fs::write(dir.join(procc::compiler::MANIFEST), manifest)?;
    std::fs::write(dir.join(FIRST_FILE), FIRST_PROCEDURES)?;
    std::fs::write(dir.join("conversation.jsonl"), SAMPLE_CONVERSATION)
}

/// The project's name: the folder's name, reduced to what a TOML string holds plainly.
fn project_name(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let name: String = absolute
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    if name.is_empty() {
        "procedures".to_string()
    } else {
        name
    }
}
