//! Tests driving hand-assembled modules through the public API.
