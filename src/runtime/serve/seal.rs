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
//!
//! XChaCha20-Poly1305 is computed as its definition reads
//! (draft-irtf-cfrg-xchacha-03, §2.3): HChaCha20 of the key and the nonce's first 16
//! bytes gives a subkey, and ChaCha20-Poly1305 (RFC 8439) seals under that subkey with
//! the nonce `[0; 4] ++ nonce[16..24]`. A process's nonces all share their first 16
//! bytes ([`random::nonce_prefix`]), so the subkey and its cipher are derived once per
//! process instead of once per snapshot; the bytes are those of any XChaCha20-Poly1305
//! (a test checks them against RustCrypto's).

use std::path::Path;
use std::sync::OnceLock;

use aws_lc_rs::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::error::Unspecified;

use super::store::{BundleHash, StoreError};
use crate::runtime::random;

/// The first byte of a sealed snapshot. Unsealed snapshots start with their format
/// number (1, 2, …), which never reaches this value.
pub const SEALED: u8 = 0xA5;

const NONCE_LEN: usize = 24;
/// How much of the nonce goes into the subkey (HChaCha20's input).
const PREFIX_LEN: usize = 16;
const TAG_LEN: usize = 16;

/// The 32-byte key snapshots are sealed with.
pub struct SealingKey {
    key: [u8; 32],
    /// The cipher under the subkey of this process's nonce prefix, derived on first use.
    own: OnceLock<([u8; PREFIX_LEN], LessSafeKey)>,
}

impl Clone for SealingKey {
    fn clone(&self) -> Self {
        SealingKey::from_bytes(self.key)
    }
}

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
        SealingKey {
            key: bytes,
            own: OnceLock::new(),
        }
    }

    /// A new random key from the operating system's source, which must not fail: a key
    /// is never made from a guessable generator.
    pub fn generate() -> Result<SealingKey, StoreError> {
        crate::runtime::random::secret_bytes()
            .map(SealingKey::from_bytes)
            .map_err(|e| StoreError::backend("cannot draw a random store key", e))
    }

    /// The key's bytes (to keep it in a store's own key row).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key
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
                    format!("{}\n", super::hex(&key.key)).as_bytes(),
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

    /// Runs `use_cipher` with the ChaCha20-Poly1305 cipher of the subkey for nonces
    /// starting with `prefix`: this process's own (derived once), or another's (a
    /// record written by another process on a shared store) derived for this call.
    fn with_cipher<T>(
        &self,
        prefix: &[u8; PREFIX_LEN],
        use_cipher: impl FnOnce(&LessSafeKey) -> T,
    ) -> Result<T, Unspecified> {
        if let Some((own_prefix, cipher)) = self.own.get()
            && own_prefix == prefix
        {
            return Ok(use_cipher(cipher));
        }
        let cipher = subkey_cipher(&self.key, prefix)?;
        if *prefix == random::nonce_prefix() {
            let (_, own) = self.own.get_or_init(|| (*prefix, cipher));
            return Ok(use_cipher(own));
        }
        Ok(use_cipher(&cipher))
    }

    /// Seals `conversation`'s snapshot under `bundle`.
    pub fn seal(
        &self,
        conversation: &str,
        bundle: &BundleHash,
        snapshot: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let nonce: [u8; NONCE_LEN] = random::unique_nonce();
        let aad = associated_data(conversation, bundle);
        let mut out = Vec::with_capacity(1 + NONCE_LEN + snapshot.len() + TAG_LEN);
        out.push(SEALED);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(snapshot);
        let body = 1 + NONCE_LEN;
        // Fails only past the cipher's message limit (256 GiB), which no snapshot nears.
        let tag = self
            .with_cipher(&prefix(&nonce), |cipher| {
                cipher.seal_in_place_separate_tag(
                    inner_nonce(&nonce),
                    Aad::from(&aad),
                    &mut out[body..],
                )
            })
            .flatten()
            .map_err(|e| StoreError::backend("cannot seal the snapshot", e))?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
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
        let Some((nonce, sealed)) = rest.split_first_chunk::<NONCE_LEN>() else {
            return Err(OpenError::Truncated);
        };
        if sealed.len() < TAG_LEN {
            return Err(OpenError::Truncated);
        }
        let aad = associated_data(conversation, bundle);
        let mut plain = sealed.to_vec();
        let length = self
            .with_cipher(&prefix(nonce), |cipher| {
                cipher
                    .open_in_place(inner_nonce(nonce), Aad::from(&aad), &mut plain)
                    .map(|opened| opened.len())
            })
            .flatten()
            .map_err(|_| OpenError::Forged)?;
        plain.truncate(length);
        Ok(plain)
    }
}

/// The nonce's first 16 bytes: HChaCha20's input, the same for all of a process's nonces.
fn prefix(nonce: &[u8; NONCE_LEN]) -> [u8; PREFIX_LEN] {
    let mut prefix = [0u8; PREFIX_LEN];
    prefix.copy_from_slice(&nonce[..PREFIX_LEN]);
    prefix
}

/// The 12-byte ChaCha20-Poly1305 nonce under the subkey: four zero bytes, then the last
/// eight of the 24-byte nonce.
fn inner_nonce(nonce: &[u8; NONCE_LEN]) -> Nonce {
    let mut inner = [0u8; 12];
    inner[4..].copy_from_slice(&nonce[PREFIX_LEN..]);
    Nonce::assume_unique_for_key(inner)
}

/// The ChaCha20-Poly1305 cipher under HChaCha20(`key`, `prefix`).
fn subkey_cipher(key: &[u8; 32], prefix: &[u8; PREFIX_LEN]) -> Result<LessSafeKey, Unspecified> {
    let subkey = chacha20::hchacha::<chacha20::R20>(&(*key).into(), &(*prefix).into());
    Ok(LessSafeKey::new(UnboundKey::new(
        &CHACHA20_POLY1305,
        subkey.as_slice(),
    )?))
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
    Some(SealingKey::from_bytes(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: BundleHash = [7; 32];

    #[test]
    fn a_sealed_snapshot_opens_only_for_its_conversation_bundle_and_key() {
        let key = SealingKey::generate().unwrap();
        let sealed = key.seal("c1", &BUNDLE, b"secret-bearing snapshot").unwrap();
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
        assert_ne!(
            key.seal("c", &BUNDLE, b"x").unwrap(),
            key.seal("c", &BUNDLE, b"x").unwrap()
        );
        assert_eq!(
            key.open("c", &BUNDLE, &[2, 1, 2, 3]).as_deref(),
            Ok(&[2, 1, 2, 3][..])
        );
    }

    /// RustCrypto's XChaCha20-Poly1305 over the layout of a sealed record.
    fn reference(key: &SealingKey) -> chacha20poly1305::XChaCha20Poly1305 {
        use chacha20poly1305::KeyInit;
        chacha20poly1305::XChaCha20Poly1305::new(&key.to_bytes().into())
    }

    #[test]
    fn sealed_records_are_xchacha20_poly1305_both_ways() {
        use chacha20poly1305::aead::{Aead, Payload};
        let key = SealingKey::generate().unwrap();
        let aad = associated_data("c1", &BUNDLE);
        for snapshot in [&b""[..], b"short", &[0x5a; 1000]] {
            // Ours opens with the reference.
            let sealed = key.seal("c1", &BUNDLE, snapshot).unwrap();
            let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN].try_into().unwrap();
            let payload = Payload {
                msg: &sealed[1 + NONCE_LEN..],
                aad: &aad,
            };
            let opened = reference(&key).decrypt(&nonce.into(), payload).unwrap();
            assert_eq!(opened, snapshot);
            // The reference's, under another process's nonce prefix, opens with ours.
            let foreign = [0x33; NONCE_LEN];
            let payload = Payload {
                msg: snapshot,
                aad: &aad,
            };
            let body = reference(&key).encrypt(&foreign.into(), payload).unwrap();
            let record = [&[SEALED][..], &foreign, &body].concat();
            assert_eq!(key.open("c1", &BUNDLE, &record).as_deref(), Ok(snapshot));
            assert_eq!(key.open("c2", &BUNDLE, &record), Err(OpenError::Forged));
        }
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
