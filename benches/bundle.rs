//! Loading a bundle: decode + verify throughput in MB/s for a bundle of 10k
//! procedures, and preparing it to run (`Program::new`, with the native tier compiling
//! every guard, against `Program::interpreted`).
//!
//! `cargo bench --bench bundle`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
#![allow(missing_docs)] // `criterion_group!` defines an undocumented `pub fn`
mod common;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use procc::vm::Program;

fn load_verify(c: &mut Criterion) {
    let module = common::module(10_000);
    let bytes = procc::bundle::encode(&module);
    let mut group = c.benchmark_group("bundle");
    group.throughput(Throughput::BytesDecimal(bytes.len() as u64));
    group.bench_function("load_verify/10k_procedures", |b| {
        b.iter(|| black_box(procc::bundle::load(black_box(&bytes)).expect("verifies")));
    });
    group.finish();

    let mut group = c.benchmark_group("program");
    group.bench_function("new/10k_procedures/jit", |b| {
        b.iter_batched(
            || module.clone(),
            |m| black_box(Program::new(m).expect("runs")),
            BatchSize::LargeInput,
        );
    });
    group.bench_function("new/10k_procedures/interpreted", |b| {
        b.iter_batched(
            || module.clone(),
            |m| black_box(Program::interpreted(m).expect("runs")),
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = load_verify
}
criterion_main!(benches);
