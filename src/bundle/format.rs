//! The `.procb` byte format.
//!
//! ```text
//! offset  size  content
//! 0       6     magic  b"PROCB\0"
//! 6       2     format version, u16 little-endian (currently 3; older versions are
//!               refused with a hint to rebuild)
//! 8       32    blake3 hash of the payload
//! 40      ..    payload: the Module, encoded with postcard
//! ```
//!
//! A signed bundle wraps these bytes (see [`super::sign`]); [`load`] accepts both.
//!
//! [`load`] checks each part in that order, decodes the payload (refusing trailing
//! bytes) and verifies the module. Postcard bounds every allocation by the input's size,
//! so no byte sequence makes loading panic or exhaust memory.

use std::fmt;

use super::verify::{Verified, VerifyError};
use crate::codegen::module::Module;

/// The first six bytes of every bundle.
pub const MAGIC: &[u8; 6] = b"PROCB\0";
/// The format version this build writes and reads.
/// Version 2 (revision 2): `UrlEncode` joined the instruction set. Version 3: outcome
/// chunks (`on failure`/`on denied`/`on cancelled`), `Fail(reason)`, `if`
/// (`JumpUnless`), `then`, and `require` (`Require`, `ProcDef::requires`). Version 4:
/// list and record types (`TypeDef::shape`), and the variable items `choices`,
/// `suggestions` and `invalid`.
pub const FORMAT_VERSION: u16 = 4;
/// The length of the header (magic, version, hash).
pub const HEADER_LEN: usize = 6 + 2 + 32;

/// Why bytes are not a loadable bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BundleError {
    /// Fewer bytes than a header.
    TooShort {
        /// How many bytes there were.
        len: usize,
    },
    /// The magic is not `PROCB\0`.
    BadMagic,
    /// A format version this build does not read.
    UnsupportedVersion {
        /// The version found.
        found: u16,
    },
    /// The payload's hash differs from the header's.
    HashMismatch,
    /// The payload does not decode as a module.
    Decode {
        /// The decoder's message.
        message: String,
    },
    /// Bytes follow the encoded module.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The module decoded but the verifier refused it.
    Verify(VerifyError),
    /// The signature section of a signed bundle is malformed.
    BadSignatures,
    /// No trusted key signed the bundle (`--trust`).
    Untrusted {
        /// How many signatures the bundle has (none of them by a trusted key).
        signatures: usize,
    },
}

impl BundleError {
    /// A stable name for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::TooShort { .. } => "too_short",
            BundleError::BadMagic => "bad_magic",
            BundleError::UnsupportedVersion { .. } => "unsupported_version",
            BundleError::HashMismatch => "hash_mismatch",
            BundleError::Decode { .. } => "decode",
            BundleError::TrailingBytes { .. } => "trailing_bytes",
            BundleError::Verify(e) => e.rule.name(),
            BundleError::BadSignatures => "bad_signatures",
            BundleError::Untrusted { .. } => "untrusted",
        }
    }
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::TooShort { len } => {
                write!(
                    f,
                    "not a procc bundle: {len} bytes is shorter than the {HEADER_LEN}-byte header."
                )
            }
            BundleError::BadMagic => {
                f.write_str("not a procc bundle: the file does not start with PROCB.")
            }
            BundleError::UnsupportedVersion { found } if *found < FORMAT_VERSION => write!(
                f,
                "this bundle has format version {found}, written by an older procc (before language revision 2); this procc reads version {FORMAT_VERSION}: rebuild it from its .proc files with `procc build`."
            ),
            BundleError::UnsupportedVersion { found } => write!(
                f,
                "unsupported bundle format version {found} (this procc reads version {FORMAT_VERSION}): it was written by a newer procc."
            ),
            BundleError::HashMismatch => {
                f.write_str("the bundle is corrupt: its content hash does not match its content.")
            }
            BundleError::Decode { message } => write!(
                f,
                "the bundle is corrupt: its content does not decode ({message})."
            ),
            BundleError::TrailingBytes { count } => {
                write!(
                    f,
                    "the bundle is corrupt: {count} unexpected bytes follow its content."
                )
            }
            BundleError::Verify(e) => e.fmt(f),
            BundleError::BadSignatures => {
                f.write_str("the bundle is corrupt: its signature section is malformed.")
            }
            BundleError::Untrusted { signatures: 0 } => f.write_str(
                "the bundle is not signed, and only bundles signed by a trusted key may run.",
            ),
            BundleError::Untrusted { signatures } => write!(
                f,
                "no trusted key signed the bundle ({signatures} signature(s), none valid by a trusted key)."
            ),
        }
    }
}

impl std::error::Error for BundleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BundleError::Verify(error) => Some(error),
            _ => None,
        }
    }
}

impl From<VerifyError> for BundleError {
    fn from(e: VerifyError) -> Self {
        BundleError::Verify(e)
    }
}

/// Encodes a module as a bundle. Does not verify: run [`verify`](super::verify::verify)
/// first (the compiler does) — [`load`] will refuse a module that does not verify anyway.
pub fn encode(module: &Module) -> Vec<u8> {
    // Encoding into a Vec cannot fail: every type of the module is serialisable and
    // postcard's only error for allocating output is out of memory, which aborts.
    let payload = postcard::to_allocvec(module).unwrap_or_default();
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(blake3::hash(&payload).as_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Decodes and verifies a bundle (signed or not: signatures are checked only against
/// trusted keys, by `sign::check_trusted`, before this).
pub fn load(bytes: &[u8]) -> Result<Module, BundleError> {
    load_verified(bytes).map(Verified::into_module)
}

/// [`load`], keeping the proof that the verifier passed the module, so that
/// `vm::Program::from_verified` does not run it again.
pub fn load_verified(bytes: &[u8]) -> Result<Verified, BundleError> {
    Ok(Verified::new(decode(bytes)?)?)
}

/// Decodes a bundle's header and payload without verifying the module. Only for tools
/// that show why a bundle is refused; anything that runs a module must use [`load`].
pub fn decode(bytes: &[u8]) -> Result<Module, BundleError> {
    let (_, bytes) = super::sign::split(bytes)?;
    if bytes.len() < HEADER_LEN {
        return Err(BundleError::TooShort { len: bytes.len() });
    }
    let (magic, rest) = bytes.split_at(6);
    if magic != MAGIC {
        return Err(BundleError::BadMagic);
    }
    let (version, rest) = rest.split_at(2);
    let found = u16::from_le_bytes([version[0], version[1]]);
    if found != FORMAT_VERSION {
        return Err(BundleError::UnsupportedVersion { found });
    }
    let (hash, payload) = rest.split_at(32);
    if blake3::hash(payload).as_bytes() != hash {
        return Err(BundleError::HashMismatch);
    }
    let (module, trailing) =
        postcard::take_from_bytes::<Module>(payload).map_err(|e| BundleError::Decode {
            message: e.to_string(),
        })?;
    if !trailing.is_empty() {
        return Err(BundleError::TrailingBytes {
            count: trailing.len(),
        });
    }
    Ok(module)
}
