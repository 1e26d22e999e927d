//! The `.procb` bundle: binary format, verifier and disassembler.
//!
//! [`format::encode`] writes a [`crate::codegen::module::Module`] as a bundle;
//! [`format::load`] reads one back and always runs [`verify::verify`] on it, so a module
//! obtained from bytes has passed every check of the contract's §6. The compiler runs the
//! same verifier on what it emits. [`disasm`] renders a module for `procc inspect`.

pub mod disasm;
pub mod format;
pub mod sign;
pub mod verify;

pub use format::{BundleError, FORMAT_VERSION, MAGIC, decode, encode, load, load_verified};
pub use verify::{Rule, Verified, VerifyError, verify};
