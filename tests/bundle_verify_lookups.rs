//! The verifier over lookups (LANGUAGE.md §6): every lookup's request is a read (`GET`,
//! or a `POST` the author marked `reversible`), a lookup's request appears only in its
//! own chunk, and secrets reach only its headers, query and body — also in a bundle
//! edited by hand after the compiler made it.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use procc::bundle::{Rule, decode, encode, verify};
use procc::codegen::isa::{Instr, Method};
use procc::codegen::module::Module;
use procc::compiler::compile;
use procc::diagnostics::Sources;

fn module() -> Module {
    let mut sources = Sources::new();
    sources.add("bank.proc", include_str!("fixtures/lookups/bank.proc"));
    let compilation = compile(sources);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
    compilation.generate().expect("lowers")
}

/// The index of a variable (or lookup) by name.
fn var(m: &Module, name: &str) -> usize {
    m.vars
        .iter()
        .position(|v| v.name == name)
        .expect("declared")
}

/// The request chunk of a lookup, and the index of its `Lookup` instruction.
fn lookup_instr(m: &Module, name: &str) -> (usize, usize) {
    let chunk = m.vars[var(m, name)]
        .lookup
        .as_ref()
        .expect("a lookup")
        .request as usize;
    let at = m.chunks[chunk]
        .code
        .iter()
        .position(|i| matches!(i, Instr::Lookup(_)))
        .expect("ends in Lookup");
    (chunk, at)
}

fn set_method(m: &mut Module, name: &str, method: Method) {
    let (chunk, at) = lookup_instr(m, name);
    if let Instr::Lookup(spec) = &mut m.chunks[chunk].code[at] {
        spec.method = method;
    }
}

fn rule(m: &Module) -> Rule {
    verify(m).expect_err("refused").rule
}

#[test]
fn the_compiled_lookups_verify_and_round_trip() {
    let m = module();
    verify(&m).expect("verifies");
    let bytes = encode(&m);
    assert_eq!(decode(&bytes).expect("decodes"), m);
}

#[test]
fn a_lookup_that_writes_is_refused() {
    let mut m = module();
    set_method(&mut m, "account", Method::Post);
    assert_eq!(rule(&m), Rule::LookupNotRead);
    let mut m = module();
    set_method(&mut m, "account", Method::Delete);
    assert_eq!(rule(&m), Rule::LookupNotRead);
    // `reversible` allows POST, nothing else.
    let mut m = module();
    set_method(&mut m, "offices", Method::Put);
    assert_eq!(rule(&m), Rule::LookupNotRead);
    let mut m = module();
    let offices = var(&m, "offices");
    m.vars[offices].lookup.as_mut().unwrap().reversible = false;
    assert_eq!(rule(&m), Rule::LookupNotRead);
}

#[test]
fn a_lookup_request_outside_a_lookup_is_refused() {
    let mut m = module();
    let (chunk, at) = lookup_instr(&m, "account");
    let spec = m.chunks[chunk].code[at];
    // The api_call's body sends it instead of its own request.
    let body = m
        .procedures
        .iter()
        .find(|p| p.name == "transfer_money")
        .unwrap()
        .body as usize;
    let request = m.chunks[body]
        .code
        .iter()
        .position(|i| matches!(i, Instr::Request(_)))
        .unwrap();
    m.chunks[body].code[request] = spec;
    assert!(verify(&m).is_err());
    // A lookup chunk ending in `Return` instead.
    let mut m = module();
    let (chunk, at) = lookup_instr(&m, "account");
    m.chunks[chunk].code[at] = Instr::Return;
    assert!(verify(&m).is_err());
}

#[test]
fn a_secret_in_a_lookup_url_is_refused() {
    let mut m = module();
    let (chunk, _) = lookup_instr(&m, "account");
    // The URL's customer id replaced by the secret (still percent-encoded).
    let code = &mut m.chunks[chunk].code;
    let at = code
        .iter()
        .position(|i| matches!(i, Instr::LoadCustomer(_)))
        .unwrap();
    code[at] = Instr::LoadSecret(0);
    assert_eq!(rule(&m), Rule::SecretLeak);
}

#[test]
fn validations_must_name_lookups() {
    let mut m = module();
    let day = var(&m, "day");
    let city = var(&m, "city") as u32;
    m.vars[day].validations = vec![city];
    assert_eq!(rule(&m), Rule::MalformedTable);
}
