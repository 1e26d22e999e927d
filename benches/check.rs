//! `procc check` throughput: parsing and checking generated projects of 1k, 10k and
//! 100k lines (`scripts/gen_large_project.py`), in MB/s of source.
//!
//! `cargo bench --bench check`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
#![allow(missing_docs)] // `criterion_group!` defines an undocumented `pub fn`
mod common;

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use procc::compiler::compile;

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for lines in [1_000, 10_000, 100_000] {
        let (sources, bytes) = common::generated_sources(lines);
        assert!(
            !compile(sources.clone()).has_errors(),
            "the generated project checks clean"
        );
        group.throughput(Throughput::BytesDecimal(bytes as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{lines}_lines")),
            &sources,
            |b, sources| {
                b.iter_batched(
                    || sources.clone(),
                    |sources| black_box(compile(sources).has_errors()),
                    BatchSize::LargeInput,
                );
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = check
}
criterion_main!(benches);
