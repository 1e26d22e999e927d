//! Bytes per idle session (not a timing): the snapshot a durable host stores, and the
//! heap an idle conversation holds in a `Conversations` table, counted by a counting
//! allocator over 10 000 sessions.
//!
//! `cargo bench --bench memory`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};

use procc::vm::{Conversations, Program, Session, Value};

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    const SESSIONS: usize = 10_000;
    let program = Arc::new(Program::new(common::module(10_000)).expect("runs"));
    let mut conversations = Conversations::new(Arc::clone(&program));
    conversations.handle(common::start("warm-up"));
    let before = LIVE.load(Ordering::Relaxed);
    for i in 0..SESSIONS {
        conversations.handle(common::start(&format!("c{i:05}")));
    }
    let after = LIVE.load(Ordering::Relaxed);
    let heap = (after - before) as f64 / SESSIONS as f64;
    let snapshot = conversations.snapshot("c00000").map_or(0, |s| s.len());
    println!("idle session snapshot: {snapshot} bytes");
    println!(
        "idle session in memory: {heap:.0} bytes (heap, including its table entry; Session is {} bytes, Value {} bytes)",
        std::mem::size_of::<Session>(),
        std::mem::size_of::<Value>()
    );
}
