//! The host's randomness: secret keys, seeds for the sans-IO vm's session nonces
//! (idempotency keys, §7), and unique nonces for sealing.
//!
//! Three needs, three functions, because they differ in what a failure may cost: a key
//! must be unguessable (no fallback), a seed and a nonce need only be unique.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// `N` secret random bytes from the operating system, for keys. The OS source failing
/// (it does not on supported systems) is an error, never a guessable fallback.
pub fn secret_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut out = [0; N];
    getrandom::fill(&mut out)?;
    Ok(out)
}

/// `N` random bytes for a seed. Should the OS source fail, a seeded non-cryptographic
/// generator fills them: seeds need to be unique, not secret.
pub fn bytes<const N: usize>() -> [u8; N] {
    secret_bytes().unwrap_or_else(|_| {
        let mut out = [0; N];
        out.iter_mut().for_each(|b| *b = fastrand::u8(..));
        out
    })
}

/// A 24-byte nonce never returned twice by this process and, with overwhelming
/// probability, by any other: 16 random bytes drawn once per process, then a counter.
///
/// Why not 24 fresh random bytes each time: that is one system call per sealed
/// snapshot (one per event `procc serve` handles), and a nonce needs uniqueness only.
/// Two processes sharing a key (several instances on one PostgreSQL) collide only if
/// their 128-bit prefixes do (2^-64 after 2^32 processes).
pub fn unique_nonce() -> [u8; 24] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // Relaxed: only uniqueness of the values matters, not their order across threads.
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut nonce = [0; 24];
    nonce[..16].copy_from_slice(&nonce_prefix());
    nonce[16..].copy_from_slice(&count.to_le_bytes());
    nonce
}

/// The first 16 bytes of every [`unique_nonce`] of this process, drawn on first use.
pub fn nonce_prefix() -> [u8; 16] {
    static PREFIX: OnceLock<[u8; 16]> = OnceLock::new();
    *PREFIX.get_or_init(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_unique_and_share_the_process_prefix() {
        let (a, b) = (unique_nonce(), unique_nonce());
        assert_ne!(a, b);
        assert_eq!(a[..16], b[..16]);
        assert_eq!(a[..16], nonce_prefix());
    }

    #[test]
    fn secret_bytes_differ_between_calls() {
        let a: [u8; 32] = secret_bytes().unwrap_or_default();
        let b: [u8; 32] = secret_bytes().unwrap_or_default();
        assert_ne!(a, b);
    }
}
