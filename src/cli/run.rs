//! `procc run BUNDLE_OR_PATH...`: the session protocol on stdin/stdout.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use procc::bundle::Verified;
use procc::bundle::sign::PublicKey;
use procc::runtime::{EnvSecrets, EventLog, HttpClient, HttpOutcome, handle_performing_observed};
use procc::vm::{Action, Conversations, Program, Tier, parse_input_bytes};

use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};

/// Options of `procc run`.
#[derive(clap::Args, Debug)]
pub(super) struct RunArgs {
    /// A `.procb` bundle, or `.proc` files and directories to compile first.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write analytics events as JSON lines to this file.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Emit `request` outputs for the host to perform instead of performing HTTP.
    #[arg(long)]
    host_http: bool,
    /// Refuse the bundle unless this public key signed it (repeatable).
    #[arg(long, value_name = "PUB")]
    trust: Vec<PathBuf>,
}

/// Serves the protocol until the end of stdin.
pub(super) fn run(args: &RunArgs) -> u8 {
    let program = match load_program(&args.paths, &args.trust) {
        Ok(program) => program,
        Err(code) => return code,
    };
    let events = match args.events.as_deref().map(EventLog::create).transpose() {
        Ok(events) => events,
        Err(error) => {
            eprintln!("error: cannot write the events log: {error}");
            return EXIT_USAGE;
        }
    };
    // procc performs the HTTP itself unless the host asked to: a current-thread tokio
    // runtime is enough, since inputs are handled one at a time.
    let performer = if args.host_http {
        None
    } else {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        match (runtime, HttpClient::new()) {
            (Ok(runtime), Ok(http)) => Some((runtime, http)),
            (Err(error), _) => {
                eprintln!("error: cannot start the runtime: {error}");
                return EXIT_FAILURE;
            }
            (_, Err(error)) => {
                eprintln!("error: {error}");
                return EXIT_FAILURE;
            }
        }
    };
    let secrets = EnvSecrets::from_env();
    let declared = program.module().secrets.clone();
    // The seed makes idempotency keys unique to this process's sessions (§7).
    let mut conversations = Conversations::with_seed(program, procc::runtime::random::bytes());
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                eprintln!("error: cannot read stdin: {error}");
                return EXIT_FAILURE;
            }
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        let outputs = match parse_input_bytes(&line) {
            Ok(mut input) => {
                secrets.fill(&declared, &mut input);
                // An input without `at` happened now (§7): `today()` and `hour()` read it.
                input.at.get_or_insert_with(jiff::Timestamp::now);
                let step = match &performer {
                    None => conversations.handle(input),
                    Some((runtime, http)) => runtime.block_on(handle_performing_observed(
                        http,
                        |input| conversations.handle(input),
                        input,
                        report_failure,
                    )),
                };
                if let Some(log) = &events {
                    let written = log.write(&step.events).and_then(|()| log.flush());
                    if let Err(error) = written {
                        eprintln!("error: cannot write the events log: {error}");
                    }
                }
                step.outputs
            }
            Err(error) => vec![error],
        };
        for output in outputs {
            if let Ok(json) = serde_json::to_string(&output) {
                println!("{json}");
            }
        }
        // Nobody reads the outputs any more: stop taking inputs (which may act on the
        // world) that no one will see answered.
        if super::stdio::stdout_closed() {
            return EXIT_FAILURE;
        }
    }
    EXIT_OK
}

/// Tells the operator on stderr why a request failed (never its URL, headers or body,
/// which may hold secrets).
pub(super) fn report_failure(request: &Action, outcome: &HttpOutcome) {
    if let (Action::Request { method, .. }, Some(error)) = (request, &outcome.error) {
        eprintln!(
            "procc: {method} request failed after {} attempt(s): {error}",
            outcome.attempts
        );
    }
}

/// Loads or compiles the paths (see [`load_module`]) and prepares the module to run.
pub(super) fn load_program(paths: &[PathBuf], trust: &[PathBuf]) -> Result<Arc<Program>, u8> {
    let verified = load_module(paths, trust)?;
    Program::from_verified(verified, Tier::Native)
        .map(Arc::new)
        .map_err(|error| {
            eprintln!("error: the bundle cannot run: {error}");
            EXIT_FAILURE
        })
}

/// Loads a bundle (one path ending in `.procb`) or compiles the given `.proc` paths;
/// either way the verifier passed the module once. With trusted keys (`--trust`), only
/// a bundle one of them signed is accepted: sources, which nobody signed, are refused.
pub(super) fn load_module(paths: &[PathBuf], trust: &[PathBuf]) -> Result<Verified, u8> {
    let trusted = super::trust::read_keys(trust)?;
    if let [single] = paths
        && single.extension().is_some_and(|ext| ext == "procb")
    {
        return load_bundle(single, &trusted);
    }
    if !trusted.is_empty() {
        eprintln!("error: --trust accepts only a signed .procb bundle, not .proc sources");
        return Err(EXIT_FAILURE);
    }
    let projects = procc::compiler::discover(paths).map_err(|error| {
        eprintln!("error: {error}");
        EXIT_USAGE
    })?;
    let [project] = projects.as_slice() else {
        eprintln!(
            "error: the paths must hold exactly one project, found {}",
            projects.len()
        );
        if let Some(hint) = procc::compiler::layout_hint(&projects) {
            eprintln!("note: {hint}");
        }
        return Err(EXIT_USAGE);
    };
    let sources = procc::compiler::load(project).map_err(|error| {
        eprintln!("error: {error}");
        EXIT_USAGE
    })?;
    let compilation = procc::compiler::compile(sources);
    if compilation.has_errors() {
        let rendered = procc::diagnostics::render::render_human(
            &compilation.diagnostics,
            &compilation.sources,
            super::output::use_color(super::ColorChoice::Auto),
        );
        eprint!("{rendered}");
        if compilation
            .diagnostics
            .iter()
            .any(|d| d.code == procc::semantics::codes::UNKNOWN_NAME)
            && let Some(hint) = procc::compiler::layout_hint(&projects)
        {
            eprintln!("note: {hint}");
        }
        return Err(EXIT_FAILURE);
    }
    compilation.verified().map_err(|error| {
        eprintln!("error: internal compiler error: {error}");
        EXIT_FAILURE
    })
}

/// Reads and verifies a bundle; a refusal is reported and gives exit code 1.
pub(super) fn load_bundle(path: &Path, trusted: &[PublicKey]) -> Result<Verified, u8> {
    let bytes = std::fs::read(path).map_err(|error| {
        eprintln!("error: cannot read {}: {error}", path.display());
        EXIT_USAGE
    })?;
    super::trust::check(path, &bytes, trusted)?;
    procc::bundle::load_verified(&bytes).map_err(|error| {
        eprintln!("error: {} is refused: {error}", path.display());
        EXIT_FAILURE
    })
}
