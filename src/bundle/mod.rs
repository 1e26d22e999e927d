//! The `.procb` bundle: binary format and verifier.
