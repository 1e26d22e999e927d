//! Signed bundles (§6): the content hash proves integrity, not authorship, so a bundle
//! can carry Ed25519 signatures over its hash, and a host can refuse any bundle that no
//! key it trusts signed — before verifying it.
//!
//! A signed bundle wraps an ordinary one:
//!
//! ```text
//! offset  size     content
//! 0       6        magic  b"PROCS\0"
//! 6       1        n, the number of signatures (1..=255)
//! 7       n * 96   each: the signer's public key (32 bytes), the signature (64 bytes)
//! ..      ..       the bundle itself (`PROCB\0`, version, hash, payload)
//! ```
//!
//! Each signature is over [`message`]: a domain prefix and the inner bundle's 32-byte
//! content hash, so it covers exactly what the hash covers. Parsing the wrapper needs no
//! cryptography ([`split`]); signing and checking are behind the `signing` feature.

use super::format::{BundleError, HEADER_LEN, MAGIC};

/// The first six bytes of a signed bundle.
pub const SIGNED_MAGIC: &[u8; 6] = b"PROCS\0";
/// Bytes per signature entry: public key, then signature.
pub const ENTRY_LEN: usize = 32 + 64;
/// What is signed before the content hash, so a signature made for something else
/// never passes as a bundle signature.
const DOMAIN: &[u8] = b"procc bundle signature v1\0";

/// One signature of a signed bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureEntry {
    /// The signer's Ed25519 public key.
    pub public_key: [u8; 32],
    /// The Ed25519 signature over [`message`].
    pub signature: [u8; 64],
}

/// The bytes a key signs for a bundle whose content hash is `hash`.
pub fn message(hash: &[u8; 32]) -> Vec<u8> {
    let mut message = DOMAIN.to_vec();
    message.extend_from_slice(hash);
    message
}

/// Splits a bundle into its signatures (none when it is not signed) and the inner,
/// ordinary bundle. Only the wrapper's shape is checked here, not the signatures.
pub fn split(bytes: &[u8]) -> Result<(Vec<SignatureEntry>, &[u8]), BundleError> {
    let Some(rest) = bytes.strip_prefix(SIGNED_MAGIC.as_slice()) else {
        return Ok((Vec::new(), bytes));
    };
    let malformed = || BundleError::BadSignatures;
    let (&count, mut rest) = rest.split_first().ok_or_else(malformed)?;
    if count == 0 {
        return Err(malformed());
    }
    let mut entries = Vec::with_capacity(count.into());
    for _ in 0..count {
        let (entry, tail) = rest.split_at_checked(ENTRY_LEN).ok_or_else(malformed)?;
        let (key, signature) = entry.split_at(32);
        entries.push(SignatureEntry {
            public_key: key.try_into().map_err(|_| malformed())?,
            signature: signature.try_into().map_err(|_| malformed())?,
        });
        rest = tail;
    }
    Ok((entries, rest))
}

/// The content hash of an ordinary bundle's header.
pub fn content_hash(inner: &[u8]) -> Result<[u8; 32], BundleError> {
    if inner.len() < HEADER_LEN {
        return Err(BundleError::TooShort { len: inner.len() });
    }
    if !inner.starts_with(MAGIC) {
        return Err(BundleError::BadMagic);
    }
    inner[8..HEADER_LEN]
        .try_into()
        .map_err(|_| BundleError::TooShort { len: inner.len() })
}

/// Writes a signed bundle: `entries` around the ordinary bundle `inner`.
pub fn wrap(entries: &[SignatureEntry], inner: &[u8]) -> Result<Vec<u8>, BundleError> {
    let count = u8::try_from(entries.len()).map_err(|_| BundleError::BadSignatures)?;
    let mut out = Vec::with_capacity(7 + entries.len() * ENTRY_LEN + inner.len());
    out.extend_from_slice(SIGNED_MAGIC);
    out.push(count);
    for entry in entries {
        out.extend_from_slice(&entry.public_key);
        out.extend_from_slice(&entry.signature);
    }
    out.extend_from_slice(inner);
    Ok(out)
}

#[cfg(feature = "signing")]
pub use keys::{
    KeyError, PublicKey, SecretKey, check_trusted, generate, read_public, read_secret, sign,
};

#[cfg(feature = "signing")]
mod keys {
    use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

    use super::{SignatureEntry, content_hash, message, split, wrap};
    use crate::bundle::format::BundleError;

    /// A signing key (the `.key` file).
    pub struct SecretKey(SigningKey);

    /// A public key (the `.pub` file), trusted with `--trust`.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct PublicKey(VerifyingKey);

    /// Why a key file cannot be used.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[non_exhaustive]
    pub enum KeyError {
        /// The file does not start with the tag of the expected kind of key.
        WrongTag(&'static str),
        /// The tag is there but no key follows it.
        Missing,
        /// Text follows the key.
        TrailingText,
        /// The key is not 64 hexadecimal digits.
        NotHex,
        /// The bytes are not a valid Ed25519 public key.
        InvalidPublicKey,
    }

    impl std::fmt::Display for KeyError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                KeyError::WrongTag(tag) => write!(f, "the file does not start with `{tag}`"),
                KeyError::Missing => f.write_str("the key is missing"),
                KeyError::TrailingText => f.write_str("unexpected text after the key"),
                KeyError::NotHex => f.write_str("the key is not 64 hexadecimal digits"),
                KeyError::InvalidPublicKey => f.write_str("not a valid Ed25519 public key"),
            }
        }
    }

    impl std::error::Error for KeyError {}

    const SECRET_TAG: &str = "procc-ed25519-secret-key";
    const PUBLIC_TAG: &str = "procc-ed25519-public-key";

    /// A new key pair from 32 random bytes (the host's randomness): the `.key` and the
    /// `.pub` file contents.
    pub fn generate(seed: [u8; 32]) -> (String, String) {
        let key = SigningKey::from_bytes(&seed);
        let public = key.verifying_key();
        (
            format!("{SECRET_TAG} {}\n", hex(key.as_bytes())),
            format!("{PUBLIC_TAG} {}\n", hex(public.as_bytes())),
        )
    }

    /// Reads a `.key` file's contents.
    pub fn read_secret(text: &str) -> Result<SecretKey, KeyError> {
        let bytes = tagged(text, SECRET_TAG)?;
        Ok(SecretKey(SigningKey::from_bytes(&bytes)))
    }

    /// Reads a `.pub` file's contents.
    pub fn read_public(text: &str) -> Result<PublicKey, KeyError> {
        let bytes = tagged(text, PUBLIC_TAG)?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| KeyError::InvalidPublicKey)
    }

    /// Adds `key`'s signature to a bundle (signed or not); the inner bundle is kept
    /// byte for byte.
    pub fn sign(bundle: &[u8], key: &SecretKey) -> Result<Vec<u8>, BundleError> {
        let (mut entries, inner) = split(bundle)?;
        let hash = content_hash(inner)?;
        let public_key = key.0.verifying_key().to_bytes();
        entries.retain(|e| e.public_key != public_key);
        entries.push(SignatureEntry {
            public_key,
            signature: key.0.sign(&message(&hash)).to_bytes(),
        });
        wrap(&entries, inner)
    }

    /// §6: `Ok` when a key of `trusted` made a valid signature over the bundle's hash;
    /// otherwise [`BundleError::Untrusted`]. Checked before the bundle is verified.
    pub fn check_trusted(bundle: &[u8], trusted: &[PublicKey]) -> Result<(), BundleError> {
        let (entries, inner) = split(bundle)?;
        let hash = content_hash(inner)?;
        let message = message(&hash);
        let signed = entries.iter().any(|entry| {
            trusted.iter().any(|key| {
                key.0.as_bytes() == &entry.public_key
                    && key
                        .0
                        .verify(&message, &Signature::from_bytes(&entry.signature))
                        .is_ok()
            })
        });
        if signed {
            Ok(())
        } else {
            Err(BundleError::Untrusted {
                signatures: entries.len(),
            })
        }
    }

    fn tagged(text: &str, tag: &'static str) -> Result<[u8; 32], KeyError> {
        let mut words = text.split_whitespace();
        if words.next() != Some(tag) {
            return Err(KeyError::WrongTag(tag));
        }
        let hex_text = words.next().ok_or(KeyError::Missing)?;
        if words.next().is_some() {
            return Err(KeyError::TrailingText);
        }
        unhex(hex_text).ok_or(KeyError::NotHex)
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Option<[u8; 32]> {
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut out = [0; 32];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(out)
    }
}
