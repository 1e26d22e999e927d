//! Conversations: offer lookup (a FAQ event answered with its offer) among 10 and 10k
//! procedures, and a whole conversation's events per second on one core (start, then
//! the eight events of a refund with collection, a wrong answer, approval and request).
//!
//! `cargo bench --bench session`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
#![allow(missing_docs)] // `criterion_group!` defines an undocumented `pub fn`
mod common;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use procc::vm::{Conversations, Event, Program};

fn tiers(procedures: usize) -> [(&'static str, Arc<Program>); 2] {
    let module = common::module(procedures);
    [
        ("jit", Arc::new(Program::new(module.clone()).expect("runs"))),
        (
            "interpreted",
            Arc::new(Program::interpreted(module).expect("runs")),
        ),
    ]
}

fn offer_lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("offer_lookup");
    for procedures in [10, 10_000] {
        for (tier, program) in tiers(procedures) {
            let mut conversations = Conversations::new(program);
            conversations.handle(common::start("idle"));
            let faq = Event::Faq {
                id: format!("faq_{}", procedures / 2),
            };
            let step = conversations.handle(common::input("idle", faq.clone()));
            assert_eq!(step.outputs.len(), 1, "one offer");
            group.bench_function(
                BenchmarkId::new(format!("{procedures}_procedures"), tier),
                |b| {
                    b.iter(|| black_box(conversations.handle(common::input("idle", faq.clone()))));
                },
            );
        }
    }
    group.finish();
}

fn conversation(c: &mut Criterion) {
    let mut group = c.benchmark_group("conversation");
    group.throughput(Throughput::Elements(9));
    for (tier, program) in tiers(10_000) {
        let mut conversations = Conversations::new(program);
        let mut runs = 0u64;
        group.bench_function(BenchmarkId::new("refund_9_events", tier), |b| {
            b.iter(|| {
                let id = format!("c{runs}");
                runs += 1;
                black_box(conversations.handle(common::start(&id)));
                for event in common::refund_events(&id) {
                    black_box(conversations.handle(event));
                }
            });
        });
        assert!(conversations.is_empty(), "every conversation ended");
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = offer_lookup, conversation
}
criterion_main!(benches);
