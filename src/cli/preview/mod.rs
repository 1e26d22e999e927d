//! `procc preview PATH...`: try procedures in a conversation in the terminal.
//!
//! The preview drives one conversation of the sans-IO interpreter with short commands
//! (see [`help::COMMANDS`]) and shows every output as the customer would see it. It
//! works the same on a terminal (line editing, history, colour) and on piped stdin, where
//! each line read is echoed after its prompt so the transcript reads like a session.

mod commands;
mod help;
mod http;
mod input;
mod profile;
mod render;
mod result;
mod session;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use procc::runtime::secrets::EnvSecrets;
use serde_json::{Map, Value as Json};

use super::{ColorChoice, EXIT_OK, EXIT_USAGE};
use input::Lines;
use render::{Painter, Redactor, Tone};
use session::{Flow, Preview};

/// Options of `procc preview`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = format!("{}{}", help::LONG_HELP, help::COMMANDS))]
pub(super) struct PreviewArgs {
    /// A `.procb` bundle, or `.proc` files and directories to compile first.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The customer profile as a JSON object.
    #[arg(long, value_name = "JSON", conflicts_with = "customer_file")]
    customer: Option<String>,
    /// The customer profile from a JSON file.
    #[arg(long, value_name = "FILE")]
    customer_file: Option<PathBuf>,
    /// A secret's value for this conversation (repeatable); never printed.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    secrets: Vec<String>,
    /// Colour the transcript.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
}

/// Runs a preview until the end of input or `/quit`.
pub(super) fn run(args: &PreviewArgs) -> u8 {
    let program = match super::run::load_program(&args.paths, &[]) {
        Ok(program) => program,
        Err(code) => return code,
    };
    let secrets = match secrets(args, &program.module().secrets) {
        Ok(secrets) => secrets,
        Err(why) => {
            eprintln!("error: {why}");
            return EXIT_USAGE;
        }
    };
    let painter = Painter {
        color: match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        },
    };
    let redactor = Redactor::new(
        secrets
            .values()
            .filter_map(|v| v.as_str().map(str::to_owned)),
    );
    let mut lines = Lines::open();
    let given = match (&args.customer, &args.customer_file) {
        (Some(text), _) => Some(profile::from_json(text, "--customer")),
        (None, Some(path)) => Some(profile::from_file(path)),
        (None, None) => None,
    };
    let customer = match given.transpose() {
        Ok(customer) => customer,
        Err(why) => {
            eprintln!("error: {why}");
            return EXIT_USAGE;
        }
    };
    let prompted = customer.is_none();

    let module = program.module();
    println!(
        "{}",
        painter.paint(
            Tone::Prompt,
            &format!(
                "procc preview: {} procedure{}. Type /help for the commands.",
                module.procedures.len(),
                if module.procedures.len() == 1 {
                    ""
                } else {
                    "s"
                }
            )
        )
    );
    let missing: Vec<&str> = module
        .secrets
        .iter()
        .filter(|name| !secrets.contains_key(name.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        println!(
            "{}",
            painter.paint(
                Tone::Dim,
                &format!(
                    "secrets not given (requests that need them are not sent): {}; use --secret NAME=VALUE",
                    missing.join(", ")
                )
            )
        );
    }

    let mut preview = Preview::new(Arc::clone(&program), secrets, painter, redactor);
    let mut customer = customer;
    loop {
        let profile = match customer.take() {
            Some(profile) => profile,
            None => match profile::prompt(program.module(), &mut lines, &painter) {
                Ok(Some(profile)) => profile,
                Ok(None) => return EXIT_OK,
                Err(why) => {
                    eprintln!("error: {why}");
                    return EXIT_USAGE;
                }
            },
        };
        if preview.start(profile) {
            break;
        }
        if !prompted {
            return EXIT_USAGE;
        }
    }
    loop {
        let prompt = painter.paint(Tone::Prompt, preview.prompt());
        let line = match lines.read(&prompt) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(why) => {
                eprintln!("error: {why}");
                return EXIT_USAGE;
            }
        };
        if let Flow::Quit = preview.command(&line) {
            break;
        }
    }
    if lines.is_terminal() {
        println!();
    }
    EXIT_OK
}

/// The secrets: `--secret NAME=VALUE` flags, then `PROCC_SECRET_<NAME>` for the others.
fn secrets(args: &PreviewArgs, declared: &[String]) -> Result<Map<String, Json>, String> {
    let mut map = Map::new();
    for pair in &args.secrets {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(format!("--secret takes NAME=VALUE, not `{pair}`"));
        };
        if !declared.iter().any(|d| d == name) {
            return Err(format!(
                "--secret {name}: the project declares no such secret (it declares: {})",
                if declared.is_empty() {
                    "none".to_owned()
                } else {
                    declared.join(", ")
                }
            ));
        }
        map.insert(name.to_owned(), Json::String(value.to_owned()));
    }
    let environment = EnvSecrets::from_env();
    for name in declared {
        if map.contains_key(name) {
            continue;
        }
        if let Some(value) = environment.value(name) {
            map.insert(name.clone(), Json::String(value.to_owned()));
        }
    }
    Ok(map)
}
