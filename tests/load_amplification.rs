//! Bundles crafted to make loading expensive: each is loaded (decoded, verified, prepared
//! to run) once, and its size and load time are printed (never asserted: the machine is
//! shared). What is asserted is how the loader answers: shared chunks are refused before
//! any work is repeated, a regex used everywhere is compiled once, too many costly
//! regexes are refused at the budget, and guards past the native tier's budget stay
//! interpreted. The bundles are also written to the temp directory
//! (`procc-amplification/*.procb`) so that `/usr/bin/time -v procc run B </dev/null`
//! can measure a whole process.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::time::Instant;

use procc::bundle::format::BundleError;
use procc::bundle::verify::Rule;
use procc::bundle::{encode, load};
use procc::codegen::isa::Instr;
use procc::codegen::module::{AudienceDef, Module};
use procc::compiler::compile;
use procc::diagnostics::Sources;
use procc::vm::Program;

/// How many times the crafted bundles repeat their costly part.
const COPIES: usize = 200;

/// The verified module of one source file.
fn module_of(source: &str) -> Module {
    let mut sources = Sources::new();
    sources.add("amplify.proc", source);
    let compilation = compile(sources);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    compilation.generate().expect("a correct program lowers")
}

/// A project with one audience testing a costly (about 800 KB compiled) regex.
fn costly_regex_module() -> Module {
    module_of(
        r#"
customer { code: text }
audience odd = matches(customer.code, "\\w{45}")
procedure p: follow_up {
  label "P"
  question "Q"
  audience odd
  trigger always
}
"#,
    )
}

/// Encodes `module` (with a valid hash), writes it for outside measurement, loads it and
/// prepares it to run; prints the size and the time.
fn load_timed(name: &str, module: &Module) -> Result<Program, String> {
    let bytes = encode(module);
    let dir = std::env::temp_dir().join("procc-amplification");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{name}.procb")), &bytes);
    }
    let started = Instant::now();
    let loaded = load(&bytes)
        .map_err(|e| match e {
            BundleError::Verify(v) => format!("{}: {}", v.rule, v.detail),
            other => other.to_string(),
        })
        .and_then(|module| Program::new(module).map_err(|e| e.to_string()));
    println!(
        "amplification bundle {name}: {} bytes, loaded in {:?}: {}",
        bytes.len(),
        started.elapsed(),
        match &loaded {
            Ok(program) => format!("runs, {} native guards", program.native_guards()),
            Err(e) => format!("refused ({e})"),
        }
    );
    loaded
}

#[test]
fn one_chunk_used_many_times_is_refused_before_it_is_verified_twice() {
    let mut module = costly_regex_module();
    let cond = module.audiences[0].cond;
    for i in 0..COPIES {
        module.audiences.push(AudienceDef {
            name: format!("copy{i}"),
            cond,
        });
    }
    let refusal = load(&encode(&module)).expect_err("a shared chunk is refused");
    assert!(
        matches!(&refusal, BundleError::Verify(v) if v.rule == Rule::SharedChunk),
        "{refusal}"
    );
    assert!(load_timed("shared_chunk", &module).is_err());
}

#[test]
fn one_costly_regex_in_many_chunks_is_compiled_once() {
    let mut module = costly_regex_module();
    let chunk = module.chunks[module.audiences[0].cond as usize].clone();
    for i in 0..COPIES {
        module.chunks.push(chunk.clone());
        let cond = (module.chunks.len() - 1) as u32;
        module.audiences.push(AudienceDef {
            name: format!("copy{i}"),
            cond,
        });
    }
    let program = load_timed("one_regex_many_chunks", &module).expect("a valid bundle runs");
    assert_eq!(program.module().audiences.len(), COPIES + 1);
}

#[test]
fn many_costly_regexes_are_refused_at_the_budget() {
    let mut module = costly_regex_module();
    let chunk = module.chunks[module.audiences[0].cond as usize].clone();
    for i in 0..COPIES {
        // `\w{45}`, `\w{45}\w{0}`, ...: different texts, each about 800 KB compiled.
        module.strings.push(format!("\\w{{45}}\\w{{{}}}", i % 3));
        let pattern = (module.strings.len() - 1) as u32;
        let mut copy = chunk.clone();
        for instr in &mut copy.code {
            if let Instr::Matches(id) = instr {
                *id = pattern;
            }
        }
        module.chunks.push(copy);
        let cond = (module.chunks.len() - 1) as u32;
        module.audiences.push(AudienceDef {
            name: format!("copy{i}"),
            cond,
        });
        // Distinct texts: a fresh string per copy, so only the budget stops them.
        module.strings[pattern as usize].push_str(&"()".repeat(i));
    }
    let refused = load_timed("many_regexes", &module).expect_err("over the regex budget");
    assert!(refused.starts_with("invalid_regex"), "{refused}");
}

#[test]
fn long_guards_from_valid_source_stay_interpreted() {
    // Twelve audiences of 4,000 operands each: about 100,000 guard instructions from a
    // source that checks, far past the native tier's budget.
    let chain = vec!["customer.n"; 4_000].join(" + ");
    let mut source = String::from("customer { n: int }\n");
    for i in 0..12 {
        source.push_str(&format!("audience a{i} = {chain} > {i}\n"));
        source.push_str(&format!(
            "procedure p{i}: follow_up {{\n  label \"P\"\n  question \"Q\"\n  audience a{i}\n  trigger always\n}}\n"
        ));
    }
    let module = module_of(&source);
    let program = load_timed("long_guards", &module).expect("a valid bundle runs");
    assert_eq!(
        program.native_guards(),
        0,
        "guards longer than the native tier's limit are interpreted"
    );
}
