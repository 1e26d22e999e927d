//! The `procc` command.

// Every command prints through `cli::stdio`: these replace the standard printing macros
// for the whole command-line tool (a `macro_rules!` defined here shadows the prelude's
// in every module below), so a closed pipe or a full disk on stdout or stderr ends
// output quietly instead of panicking — in every command, including ones added later.
macro_rules! print {
    ($($arg:tt)*) => { $crate::cli::stdio::out(format_args!($($arg)*)) };
}
macro_rules! println {
    () => { $crate::cli::stdio::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::stdio::out(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::cli::stdio::err(format_args!($($arg)*)) };
}
macro_rules! eprintln {
    () => { $crate::cli::stdio::err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::stdio::err(format_args!("{}\n", format_args!($($arg)*))) };
}

mod cli;

/// The binary's allocator (the library leaves the choice to its embedder): `procc check`
/// and the language server allocate a node per token and declaration, on several
/// parsing threads, and mimalloc takes a fraction of the system allocator's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
