//! The `.procb` format: round trip, refused headers, and no panic on any bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
mod common;

use common::good;
use procc::bundle::format::HEADER_LEN;
use procc::bundle::{BundleError, Rule, encode, load};
use proptest::prelude::*;

/// Rebuilds a bundle around a payload, with a correct hash, so that corrupt payloads get
/// past the hash check and exercise the decoder and the verifier.
fn rehash(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"PROCB\0");
    out.extend_from_slice(&procc::bundle::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(blake3::hash(payload).as_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn a_good_module_round_trips() {
    let m = good();
    let bytes = encode(&m);
    assert_eq!(&bytes[..6], b"PROCB\0");
    assert_eq!(load(&bytes), Ok(m));
}

#[test]
fn bad_magic_is_refused() {
    let mut bytes = encode(&good());
    bytes[0] = b'X';
    assert_eq!(load(&bytes), Err(BundleError::BadMagic));
}

#[test]
fn a_wrong_format_version_is_refused() {
    let mut bytes = encode(&good());
    bytes[6] = 99;
    assert_eq!(
        load(&bytes),
        Err(BundleError::UnsupportedVersion { found: 99 })
    );
}

#[test]
fn a_bundle_from_before_revision_2_is_refused_with_a_rebuild_hint() {
    let mut bytes = encode(&good());
    bytes[6] = 1;
    let error = load(&bytes).expect_err("version 1 loaded");
    assert_eq!(error, BundleError::UnsupportedVersion { found: 1 });
    let message = error.to_string();
    assert!(message.contains("older procc"), "{message}");
    assert!(message.contains("procc build"), "{message}");
}

#[test]
fn a_wrong_hash_is_refused() {
    let mut bytes = encode(&good());
    bytes[HEADER_LEN - 1] ^= 1;
    assert_eq!(load(&bytes), Err(BundleError::HashMismatch));
    // Changing the payload without the hash is caught the same way.
    let mut bytes = encode(&good());
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    assert_eq!(load(&bytes), Err(BundleError::HashMismatch));
}

#[test]
fn trailing_bytes_are_refused() {
    let bytes = encode(&good());
    let mut payload = bytes[HEADER_LEN..].to_vec();
    payload.push(0);
    assert_eq!(
        load(&rehash(&payload)),
        Err(BundleError::TrailingBytes { count: 1 })
    );
}

#[test]
fn an_unverifiable_module_is_refused_on_load() {
    let mut m = good();
    m.procedures[0].irreversible = true;
    m.chunks[common::REFUND_BODY].code[2] = procc::codegen::isa::Instr::Pop;
    match load(&encode(&m)) {
        Err(BundleError::Verify(e)) => assert_eq!(e.rule, Rule::MissingApproval),
        other => panic!("expected a verify error, got {other:?}"),
    }
}

#[test]
fn every_truncation_is_refused() {
    let bytes = encode(&good());
    for len in 0..bytes.len() {
        assert!(
            load(&bytes[..len]).is_err(),
            "truncation to {len} bytes loaded"
        );
    }
    // Truncated payloads with a correct hash reach the decoder, which refuses them too.
    let payload = &bytes[HEADER_LEN..];
    for len in 0..payload.len() {
        assert!(
            load(&rehash(&payload[..len])).is_err(),
            "payload truncated to {len} loaded"
        );
    }
}

#[test]
fn every_single_bit_flip_is_refused_or_still_verifies() {
    let bytes = encode(&good());
    let payload = bytes[HEADER_LEN..].to_vec();
    let (mut refused, mut accepted) = (0, 0);
    for i in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[i / 8] ^= 1 << (i % 8);
        assert!(
            load(&b).is_err(),
            "flipping bit {i} went unnoticed by the hash"
        );
    }
    // With the hash recomputed, a flip reaches the decoder and verifier: each result
    // is a refusal or a module that verifies, never a panic.
    for i in 0..payload.len() * 8 {
        let mut p = payload.clone();
        p[i / 8] ^= 1 << (i % 8);
        match load(&rehash(&p)) {
            Ok(m) => {
                assert_eq!(procc::bundle::verify(&m), Ok(()));
                accepted += 1;
            }
            Err(_) => refused += 1,
        }
    }
    assert!(
        refused > 0 && accepted > 0,
        "refused {refused}, accepted {accepted}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = load(&bytes);
        let _ = load(&rehash(&bytes));
    }

    #[test]
    fn mutated_bundles_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut payload = encode(&good())[HEADER_LEN..].to_vec();
        for (at, byte) in edits {
            let i = at % payload.len();
            payload[i] = byte;
        }
        if let Ok(m) = load(&rehash(&payload)) {
            prop_assert_eq!(procc::bundle::verify(&m), Ok(()));
        }
        let keep = cut % (payload.len() + 1);
        let _ = load(&rehash(&payload[..keep]));
    }
}

#[test]
fn the_disassembly_names_operands_and_lines() {
    let m = good();
    let text = procc::bundle::disasm::disassemble(&m);
    assert!(text.contains("refund: api_call, irreversible"), "{text}");
    assert!(text.contains("triggers: faq refunds"), "{text}");
    assert!(text.contains("collects: email"), "{text}");
    assert!(text.contains("LoadSecret shop_token"), "{text}");
    assert!(
        text.contains("Request POST timeout 5000ms retry 2"),
        "{text}"
    );
    assert!(text.contains("; test.proc:1"), "{text}");
    let j = procc::bundle::disasm::to_json(&m);
    assert_eq!(j["summary"]["procedures"], 2);
    assert_eq!(j["procedures"][0]["collects"][0], "email");
    assert_eq!(j["chunks"][1]["code"][0]["instr"], "Collect email");
}
