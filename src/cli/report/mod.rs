//! `procc report EVENTS...`: how procedures did, from the analytics logs that
//! `procc run --events` (or a host) writes.
//!
//! Exit codes: 0 on success, 2 when a file cannot be read or written, 1 when a line of a
//! log is not an analytics event (reported as `file:line: why`).

mod aggregate;
pub(super) mod html;
mod read;
mod table;

use std::path::PathBuf;

use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE, Format};
use read::ReadError;

/// Options of `procc report`.
#[derive(clap::Args, Debug)]
pub(super) struct ReportArgs {
    /// Analytics logs: JSON lines, one event per line.
    #[arg(required = true)]
    events: Vec<PathBuf>,
    /// List the conversations where this procedure ran, with their outcomes.
    #[arg(long, value_name = "NAME")]
    procedure: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Also write a self-contained HTML page with a funnel chart per procedure.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

/// Reads the logs and prints the report.
pub(super) fn run(args: &ReportArgs) -> u8 {
    let files: Vec<String> = args
        .events
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut records = Vec::new();
    for (index, path) in args.events.iter().enumerate() {
        match read::read(path, index) {
            Ok(mut more) => records.append(&mut more),
            Err(ReadError::Io(why)) => {
                eprintln!("error: {why}");
                return EXIT_USAGE;
            }
            Err(ReadError::Malformed(why)) => {
                eprintln!("error: {why}");
                return EXIT_FAILURE;
            }
        }
    }
    let summary = aggregate::summarise(&records);
    if let Some(path) = &args.html {
        if let Err(error) = std::fs::write(path, html::page(&summary, &files)) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return EXIT_USAGE;
        }
        eprintln!("wrote {}", path.display());
    }
    match (&args.procedure, args.format) {
        (Some(name), Format::Human) => {
            let runs = aggregate::runs(&records, name, &files);
            print!("{}", table::runs(name, &runs, files.len() > 1));
        }
        (Some(name), Format::Json) => {
            let runs = aggregate::runs(&records, name, &files);
            println!("{}", serde_json::json!({ "procedure": name, "runs": runs }));
        }
        (None, Format::Human) => print!("{}", table::summary(&summary)),
        (None, Format::Json) => match serde_json::to_string(&summary) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("error: {error}");
                return EXIT_FAILURE;
            }
        },
    }
    EXIT_OK
}
