//! The command line: argument parsing and one module per subcommand.

mod build;
mod check;
mod explain;
mod fmt;
mod init;
mod inspect;
mod keygen;
mod lsp;
mod output;
mod preview;
mod report;
mod run;
mod serve;
pub(crate) mod stdio;
mod test;
mod trust;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code: success.
const EXIT_OK: u8 = 0;
/// Exit code: the input has errors (diagnostics, a refused bundle, failed tests).
const EXIT_FAILURE: u8 = 1;
/// Exit code: usage or I/O error.
const EXIT_USAGE: u8 = 2;

/// procc: compile, check, test and run `.proc` procedures.
#[derive(Parser, Debug)]
#[command(name = "procc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How diagnostics and summaries are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Human-readable, with source excerpts.
    Human,
    /// One JSON document on stdout.
    Json,
}

/// When to colour human output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// When the output is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Options shared by the commands that compile.
#[derive(clap::Args, Debug)]
struct CompileArgs {
    /// `.proc` files or directories (searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Colour human output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check `.proc` files: syntax, names, types, the platform's rules.
    Check(CompileArgs),
    /// Compile and write a verified bundle.
    Build {
        #[command(flatten)]
        compile: CompileArgs,
        /// The bundle to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Sign the bundle with this key (`NAME.key` from `procc keygen`).
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
    },
    /// Write an Ed25519 key pair `NAME.key` (owner-only) / `NAME.pub` for signing bundles.
    Keygen {
        /// The key files' path without extension.
        name: PathBuf,
    },
    /// Show a bundle: summary, collection order, disassembly with source lines.
    Inspect {
        /// The `.procb` bundle.
        bundle: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Refuse the bundle unless this public key signed it (repeatable).
        #[arg(long, value_name = "PUB")]
        trust: Vec<PathBuf>,
    },
    /// Run the session protocol on stdin/stdout (one JSON object per line).
    Run(run::RunArgs),
    /// Serve the session protocol over HTTP, with conversations in a durable store.
    Serve(serve::ServeArgs),
    /// Run the `test` blocks: prints each test, then `N passed, N failed`.
    Test(test::TestArgs),
    /// Create a project: `procc.toml`, a first `.proc` file with a test, a sample
    /// conversation.
    Init {
        /// The folder to create the project in (new or empty).
        dir: PathBuf,
    },
    /// Explain a diagnostic code: what it means, an example, and the fix.
    Explain {
        /// The code, e.g. `E0103` or `W0101`.
        code: String,
    },
    /// Try procedures in an interactive conversation in the terminal.
    Preview(preview::PreviewArgs),
    /// Summarise analytics event logs per procedure: a table, JSON or an HTML page.
    Report(report::ReportArgs),
    /// Rewrite `.proc` files in the canonical layout (`--check`: list those that differ).
    Fmt(fmt::FmtArgs),
    /// Run the language server on stdin/stdout (for editors).
    Lsp,
}

/// Runs the command line and returns the process's exit code.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            });
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Build {
            compile,
            output,
            sign,
        } => build::run(&compile, &output, sign.as_deref()),
        Command::Keygen { name } => keygen::run(&name),
        Command::Inspect {
            bundle,
            format,
            trust,
        } => inspect::run(&bundle, format, &trust),
        Command::Run(args) => run::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Init { dir } => init::run(&dir),
        Command::Explain { code } => explain::run(&code),
        Command::Preview(args) => preview::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Lsp => lsp::run(),
    };
    ExitCode::from(code)
}
