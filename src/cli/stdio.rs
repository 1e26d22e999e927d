//! Writing to stdout and stderr without ever panicking.
//!
//! `std`'s `println!` panics when stdout is a closed pipe (`procc test . | head -c 10`) or
//! a full device (`2>/dev/full`). Every command prints through [`out`] and [`err`] (the
//! crate's `println!`/`eprintln!` family calls them): a failed write marks the stream
//! closed and later writes to it are skipped, so the command finishes its work and exits
//! with the code its result gives. A command that only exists to talk to its reader
//! (`procc run`) asks [`stdout_closed`] and stops.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes to stdout (and flushes, so a reader sees each line at once).
pub(crate) fn out(args: fmt::Arguments<'_>) {
    write_to(&mut std::io::stdout().lock(), &STDOUT_CLOSED, args);
}

/// Writes to stderr.
pub(crate) fn err(args: fmt::Arguments<'_>) {
    write_to(&mut std::io::stderr().lock(), &STDERR_CLOSED, args);
}

/// Whether a write to stdout has failed: nobody reads the output any more.
pub(crate) fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

fn write_to(stream: &mut impl Write, closed: &AtomicBool, args: fmt::Arguments<'_>) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if stream
        .write_fmt(args)
        .and_then(|()| stream.flush())
        .is_err()
    {
        closed.store(true, Ordering::Relaxed);
    }
}
