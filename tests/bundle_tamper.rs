//! Tampering with the examples' real bundles: every single-bit flip and every truncation
//! is refused or still verifies, and nothing panics.

#![cfg(feature = "compiler")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::path::PathBuf;

use procc::bundle::format::HEADER_LEN;
use procc::bundle::{encode, load, verify};
use procc::compiler::{compile, discover, load as load_sources};

/// The encoded bundle of every example project.
fn example_bundles() -> Vec<(String, Vec<u8>)> {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    discover(&[examples])
        .expect("the examples are readable")
        .iter()
        .map(|project| {
            let compilation = compile(load_sources(project).expect("readable"));
            assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
            let module = compilation.generate().expect("lowers");
            (format!("{:?}", project.files[0]), encode(&module))
        })
        .collect()
}

/// The same payload under a freshly computed header, so that a change reaches the decoder
/// and the verifier instead of stopping at the hash.
fn rehash(payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(procc::bundle::MAGIC);
    bytes.extend_from_slice(&procc::bundle::FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(blake3::hash(payload).as_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn every_bit_flip_of_every_example_bundle_is_refused() {
    for (name, bytes) in example_bundles() {
        assert!(load(&bytes).is_ok(), "{name} verifies as built");
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(
                load(&flipped).is_err(),
                "{name}: flipping bit {bit} went unnoticed"
            );
        }
        for length in 0..bytes.len() {
            assert!(
                load(&bytes[..length]).is_err(),
                "{name}: truncated to {length}"
            );
        }
    }
}

/// Past the hash: with the header recomputed, every flip and every truncation of the
/// contract example's payload reaches the decoder and the verifier, and each ends in a
/// refusal or a module that verifies, never a panic. (One bundle: the loop is exhaustive.)
#[test]
fn every_rehashed_bit_flip_of_the_contract_bundle_is_refused_or_verifies() {
    let project = discover(&[
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract_example.proc")
    ])
    .expect("the fixture is readable");
    let compilation = compile(load_sources(&project[0]).expect("readable"));
    let bytes = encode(&compilation.generate().expect("lowers"));
    let payload = &bytes[HEADER_LEN..];
    let (mut refused, mut verified) = (0usize, 0usize);
    for bit in 0..payload.len() * 8 {
        let mut flipped = payload.to_vec();
        flipped[bit / 8] ^= 1 << (bit % 8);
        match load(&rehash(&flipped)) {
            Ok(module) => {
                assert_eq!(verify(&module), Ok(()), "bit {bit}");
                verified += 1;
            }
            Err(_) => refused += 1,
        }
    }
    assert!(
        refused > 0 && verified > 0,
        "refused {refused}, verified {verified}"
    );
    for length in 0..payload.len() {
        assert!(
            load(&rehash(&payload[..length])).is_err(),
            "payload truncated to {length}"
        );
    }
}
