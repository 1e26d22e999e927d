//! The host's randomness for the sans-IO vm: session nonces (idempotency keys, §7).

/// `N` random bytes from the operating system. Should the OS source fail (it does not
/// on supported systems), a seeded non-cryptographic generator fills them: nonces need
/// to be unique, not secret.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0; N];
    if getrandom::fill(&mut out).is_err() {
        out.iter_mut().for_each(|b| *b = fastrand::u8(..));
    }
    out
}
