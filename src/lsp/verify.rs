//! Code generation and verification of an analysed project, on a thread of their own.
//!
//! `procc check` generates and verifies a correct program so that a limit of the bundle
//! format (E0180–E0189) is a located diagnostic. The server publishes the analysis's
//! diagnostics first, without waiting for that stage, hands the analysis to this thread,
//! and publishes again when the stage adds a diagnostic; meanwhile it keeps answering
//! requests and checking the next edit, whose analysis supersedes this one.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::compiler::Compilation;
use crate::diagnostics::Diagnostic;

/// An analysis to generate and verify.
pub(super) struct Job {
    /// The project analysed.
    pub project: usize,
    /// Which analysis of the workspace it is (`ProjectState::generation`).
    pub generation: u64,
    /// The analysis, shared with the server.
    pub analysis: Arc<Compilation>,
}

/// What generating and verifying an analysis added to its diagnostics.
pub(super) struct Outcome {
    /// The project analysed.
    pub project: usize,
    /// Which analysis it was.
    pub generation: u64,
    /// The diagnostics found (none for a program the bundle format takes).
    pub diagnostics: Vec<Diagnostic>,
}

/// The thread that generates and verifies, and the channels to it.
pub(super) struct Verifier {
    /// Jobs for the thread; `None` when it could not be started.
    jobs: Option<Sender<Job>>,
    /// Its outcomes, in the order of the jobs.
    pub outcomes: Receiver<Outcome>,
}

impl Verifier {
    /// Starts the thread.
    pub(super) fn start() -> Verifier {
        let (jobs, queue) = unbounded();
        let (sender, outcomes) = unbounded();
        let started = std::thread::Builder::new()
            .name("procc-lsp-verify".to_string())
            .spawn(move || work(&queue, &sender))
            .is_ok();
        Verifier {
            jobs: started.then_some(jobs),
            outcomes,
        }
    }

    /// Hands a job to the thread; gives it back when there is no thread to run it (the
    /// server then runs it itself).
    pub(super) fn submit(&self, job: Job) -> Result<(), Job> {
        match &self.jobs {
            Some(jobs) => jobs.send(job).map_err(|refused| refused.0),
            None => Err(job),
        }
    }
}

/// The thread's loop: runs the latest job of each project, until the server is gone.
fn work(queue: &Receiver<Job>, outcomes: &Sender<Outcome>) {
    while let Ok(first) = queue.recv() {
        // Jobs queued behind a long one: only the latest of each project is still wanted.
        let mut latest = HashMap::new();
        for job in std::iter::once(first).chain(queue.try_iter()) {
            latest.insert(job.project, job);
        }
        for job in latest.into_values() {
            // The server dropped an analysis an edit superseded: nobody wants its outcome.
            if Arc::strong_count(&job.analysis) == 1 {
                continue;
            }
            let outcome = Outcome {
                project: job.project,
                generation: job.generation,
                diagnostics: diagnostics(&job.analysis),
            };
            if outcomes.send(outcome).is_err() {
                return;
            }
        }
    }
}

/// What generating and verifying `analysis` adds to its diagnostics, as `procc check`
/// reports it. A defect of code generation (a panic) adds nothing rather than ending the
/// editor's session; `procc check` on the project shows it.
pub(super) fn diagnostics(analysis: &Compilation) -> Vec<Diagnostic> {
    let generated = catch_unwind(AssertUnwindSafe(|| analysis.generate_verified()));
    match generated {
        Ok(Some(Err(error))) => error.diagnostic.map(|d| vec![*d]).unwrap_or_default(),
        _ => Vec::new(),
    }
}
