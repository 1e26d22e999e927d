//! The `procc` command. (The command line in `src/cli/` is wired in once the compiler
//! stages it drives are merged.)

fn main() {}
