//! Session snapshots sealed at rest: a conversation's secrets (and its answers) are never
//! in the store in the clear.
//!
//! Why sealing and not deleting: both stores keep a deleted record's bytes in freed pages
//! (redb reuses pages without zeroing them; PostgreSQL keeps dead tuples until a vacuum,
//! and in its WAL and backups), so "gone when the conversation ends" cannot be promised by
//! deleting. Every snapshot is therefore encrypted before it reaches a store, with
//! XChaCha20-Poly1305 under a [`SealingKey`] kept apart from the sessions: `--store-key
//! FILE`, or by default a key file beside the embedded store's database or a key row of
//! the PostgreSQL store (shared by every process on it). A copy of the sessions alone
//! (a backup, a freed page) reveals nothing.
//!
//! Layout of a sealed snapshot: [`SEALED`], a unique 24-byte nonce, then the ciphertext
//! with its 16-byte tag. The associated data binds it to its conversation and bundle, so
//! a record copied under another conversation id does not open. A record whose first byte
//! is a snapshot format (written by a procc from before sealing) is read as it is and
//! sealed at its next write.

use std::path::Path;

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};

use super::store::{BundleHash, StoreError};

/// The first byte of a sealed snapshot. Unsealed snapshots start with their format
/// number (1, 2, …), which never reaches this value.
pub const SEALED: u8 = 0xA5;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// The 32-byte key snapshots are sealed with.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never printed: a log of the options must not carry the key.
        f.write_str("SealingKey(..)")
    }
}

/// Why a stored snapshot cannot be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// Too short to be a sealed snapshot.
    Truncated,
    /// Sealed under another key, for another conversation or bundle, or changed since.
    Forged,
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Truncated => f.write_str("sealed snapshot is truncated"),
            OpenError::Forged => f.write_str(
                "sealed snapshot does not open with this store key (another --store-key, \
                 another conversation's record, or changed bytes)",
            ),
        }
    }
}

impl std::error::Error for OpenError {}

impl SealingKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> SealingKey {
        SealingKey(bytes)
    }

    /// A new random key from the operating system's source, which must not fail: a key
    /// is never made from a guessable generator.
    pub fn generate() -> Result<SealingKey, StoreError> {
        crate::runtime::random::secret_bytes()
            .map(SealingKey)
            .map_err(|e| StoreError::backend("cannot draw a random store key", e))
    }

    /// The key's bytes (to keep it in a store's own key row).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The key in `path`: 64 hexadecimal digits (surrounding whitespace ignored). When
    /// the file does not exist and `create` holds, a new random key is written there,
    /// readable by its owner only.
    pub fn from_file(path: &Path, create: bool) -> Result<SealingKey, StoreError> {
        let shown = path.display();
        match std::fs::read_to_string(path) {
            Ok(text) => parse_hex(text.trim()).ok_or_else(|| {
                StoreError::Inconsistent(format!(
                    "{shown} is not a store key (64 hexadecimal digits expected)"
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let key = SealingKey::generate()?;
                let mut file = crate::runtime::private::create_new(path, 0o600)
                    .map_err(|e| StoreError::backend(format!("cannot create {shown}: {e}"), e))?;
                std::io::Write::write_all(
                    &mut file,
                    format!("{}\n", super::hex(&key.0)).as_bytes(),
                )
                .and_then(|()| file.sync_all())
                .map_err(|e| StoreError::backend(format!("cannot write {shown}: {e}"), e))?;
                Ok(key)
            }
            Err(e) => Err(StoreError::backend(
                format!("cannot read the store key {shown}: {e}"),
                e,
            )),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }

    /// Seals `conversation`'s snapshot under `bundle`.
    pub fn seal(&self, conversation: &str, bundle: &BundleHash, snapshot: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = crate::runtime::random::unique_nonce();
        let aad = associated_data(conversation, bundle);
        let payload = Payload {
            msg: snapshot,
            aad: &aad,
        };
        // Encrypting into a Vec fails only past the cipher's 256 GiB message limit,
        // which a snapshot (bounded by the store's record size) never reaches.
        let sealed = self
            .cipher()
            .encrypt(&nonce.into(), payload)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEALED);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The snapshot in a stored record: opened when sealed, as it is when written by a
    /// procc from before sealing.
    pub fn open(
        &self,
        conversation: &str,
        bundle: &BundleHash,
        stored: &[u8],
    ) -> Result<Vec<u8>, OpenError> {
        let Some((&SEALED, rest)) = stored.split_first() else {
            return Ok(stored.to_vec());
        };
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(OpenError::Truncated);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError::Truncated)?;
        let aad = associated_data(conversation, bundle);
        self.cipher()
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| OpenError::Forged)
    }
}

/// What a sealed snapshot is bound to: its conversation and bundle (length-prefixed, so
/// no two pairs give the same bytes).
fn associated_data(conversation: &str, bundle: &BundleHash) -> Vec<u8> {
    let mut aad = Vec::with_capacity(8 + conversation.len() + bundle.len());
    aad.extend_from_slice(&(conversation.len() as u64).to_le_bytes());
    aad.extend_from_slice(conversation.as_bytes());
    aad.extend_from_slice(bundle);
    aad
}

fn parse_hex(text: &str) -> Option<SealingKey> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (byte, pair) in key.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(SealingKey(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: BundleHash = [7; 32];

    #[test]
    fn a_sealed_snapshot_opens_only_for_its_conversation_bundle_and_key() {
        let key = SealingKey::generate().unwrap();
        let sealed = key.seal("c1", &BUNDLE, b"secret-bearing snapshot");
        assert_eq!(sealed[0], SEALED);
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            key.open("c1", &BUNDLE, &sealed).as_deref(),
            Ok(&b"secret-bearing snapshot"[..])
        );
        assert_eq!(key.open("c2", &BUNDLE, &sealed), Err(OpenError::Forged));
        assert_eq!(key.open("c1", &[8; 32], &sealed), Err(OpenError::Forged));
        let other = SealingKey::generate().unwrap();
        assert_eq!(other.open("c1", &BUNDLE, &sealed), Err(OpenError::Forged));
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(key.open("c1", &BUNDLE, &flipped), Err(OpenError::Forged));
        assert_eq!(
            key.open("c1", &BUNDLE, &sealed[..20]),
            Err(OpenError::Truncated)
        );
    }

    #[test]
    fn two_seals_of_one_snapshot_differ_and_unsealed_records_read_as_they_are() {
        let key = SealingKey::generate().unwrap();
        assert_ne!(key.seal("c", &BUNDLE, b"x"), key.seal("c", &BUNDLE, b"x"));
        assert_eq!(
            key.open("c", &BUNDLE, &[2, 1, 2, 3]).as_deref(),
            Ok(&[2, 1, 2, 3][..])
        );
    }

    #[test]
    fn a_key_file_is_created_owner_only_and_read_back() {
        let dir = std::env::temp_dir().join(format!("procc-seal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("store.key");
        assert!(SealingKey::from_file(&path, false).is_err());
        let made = SealingKey::from_file(&path, true).unwrap();
        let read = SealingKey::from_file(&path, false).unwrap();
        assert_eq!(made.to_bytes(), read.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").unwrap();
        let error = SealingKey::from_file(&path, true).unwrap_err();
        assert!(
            error.to_string().contains("64 hexadecimal digits"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
