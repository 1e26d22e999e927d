//! Errors through the library API: enums, whose causes are kept as `source()` chains
//! (a refused bundle keeps the `BundleError` and the verifier's `VerifyError`, a store
//! or a file keeps the I/O error), not flattened into text.
#![cfg(all(feature = "compiler", feature = "runtime"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::error::Error;
use std::sync::Arc;

use procc::bundle::{BundleError, VerifyError, encode};
use procc::compiler::{LoadProblem, compile, read_text};
use procc::diagnostics::Sources;
use procc::runtime::http::HttpClient;
use procc::runtime::secrets::EnvSecrets;
use procc::runtime::serve::{RedbStore, ServeError, Server, ServerOptions, StoreError};
use procc::vm::{LoadError, Program};

/// The errors of `error`'s `source()` chain, itself first.
fn chain<'e>(error: &'e (dyn Error + 'static)) -> Vec<&'e (dyn Error + 'static)> {
    let mut out = vec![error];
    let mut current = error;
    while let Some(next) = current.source() {
        out.push(next);
        current = next;
    }
    out
}

/// A bundle whose module the verifier refuses: a procedure body out of range.
fn refused_bundle() -> Vec<u8> {
    let mut sources = Sources::new();
    sources.add(
        "shop.proc",
        "procedure hello: follow_up {\n  label \"Hello\"\n  question \"Hi?\"\n  trigger always\n}\n",
    );
    let mut module = compile(sources).generate().expect("lowers");
    module.procedures[0].body = 9_999;
    encode(&module)
}

#[test]
fn a_refused_bundle_keeps_the_verifier_error_as_its_source() {
    let error = Program::load(&refused_bundle()).expect_err("refused");
    assert!(
        matches!(error, LoadError::Bundle(BundleError::Verify(_))),
        "{error:?}"
    );
    let chain = chain(&error);
    assert!(
        chain[1].downcast_ref::<BundleError>().is_some(),
        "{chain:?}"
    );
    assert!(
        chain[2].downcast_ref::<VerifyError>().is_some(),
        "{chain:?}"
    );
}

#[tokio::test]
async fn serve_error_bundle_keeps_the_bundle_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = RedbStore::open(dir.path()).expect("store");
    let options = ServerOptions {
        bundle: b"not a bundle".to_vec(),
        store: Arc::new(store),
        http: HttpClient::new().expect("client"),
        secrets: EnvSecrets::from_vars([]),
        events: None,
        idle_timeout: None,
        key: None,
    };
    let error = Server::new(options).await.expect_err("refused");
    assert!(matches!(error, ServeError::Bundle(_)), "{error:?}");
    let chain = chain(&error);
    assert!(chain[1].downcast_ref::<LoadError>().is_some(), "{chain:?}");
    assert!(
        matches!(
            chain[2].downcast_ref::<BundleError>(),
            Some(BundleError::TooShort { .. } | BundleError::BadMagic)
        ),
        "{chain:?}"
    );
}

#[test]
fn a_store_that_cannot_open_keeps_the_io_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").expect("write");
    let error = RedbStore::open(&file).expect_err("a file is not a store directory");
    assert!(matches!(error, StoreError::Backend { .. }), "{error:?}");
    let source = error.source().expect("a source");
    assert!(
        source.downcast_ref::<std::io::Error>().is_some(),
        "{source:?}"
    );
}

#[test]
fn a_file_that_cannot_be_read_says_why_as_a_variant() {
    let dir = tempfile::tempdir().expect("temp dir");
    let error = read_text(dir.path()).expect_err("a directory");
    assert!(matches!(error.problem, LoadProblem::Directory), "{error:?}");
    let missing = read_text(&dir.path().join("missing.proc")).expect_err("missing");
    let source = missing.source().expect("a source");
    let io = source
        .downcast_ref::<std::io::Error>()
        .expect("an I/O error");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}
