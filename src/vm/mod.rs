//! The sans-IO interpreter: one pure state machine per conversation.

pub mod protocol;
