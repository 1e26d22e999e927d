//! `test` blocks (the contract's §4a): each drives one conversation through the
//! interpreter, with HTTP, components and JavaScript answered by the test itself.
//!
//! The runner turns each input statement into a protocol event, collects its outputs in
//! a queue, and lets each `expect` consume the next unconsumed output of its kind; the
//! next input drops what was not consumed. A test
//! fails at the first expectation that does not hold (or the first input the interpreter
//! refuses), naming what came instead and where the statement stands.

mod branches;
mod coverage;
mod expect;
mod literal;

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use crate::bundle::Verified;
use crate::codegen::module::Module;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{FileId, ItemKind, SourceFile, Span, TestDecl, TestStep, TestStepKind};
use crate::vm::analytics::EventKind;
use crate::vm::protocol::{Action, Event, Feedback, Input, Output};
use crate::vm::{BranchTaken, Conversations, Program, Tier};

pub use branches::{Arm, Branch};
pub use coverage::{Point, ProcedureCoverage, Target, coverage, reachable_outcomes};
use expect::Expectation;
use literal::{literal_object, literal_to_json};

/// The code of a failed test's diagnostic.
pub const FAILURE_CODE: &str = "T0001";

/// The conversation id every test uses.
const CONVERSATION: &str = "test";

/// The time of a test's inputs before its first `at` (a Monday morning in UTC), so that
/// `today()` and `hour()` give the same answer on every run.
pub const DEFAULT_TIME: &str = "2026-03-02T09:30:00Z";

/// How one test ended.
#[derive(Debug)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// The file the test is declared in.
    pub file: FileId,
    /// The span of the whole `test` declaration (it starts at the `test` keyword).
    pub span: Span,
    /// `None` when it passed; otherwise what went wrong, located at the statement.
    pub failure: Option<Diagnostic>,
    /// Every run the test's conversation finished, as `(procedure, outcome)` with the
    /// protocol's outcome names, in order; runs before a failure count too.
    pub finished: Vec<(String, String)>,
    /// Every `if` condition the test's runs tested, in order (before a failure too).
    pub branches: Vec<BranchTaken>,
}

/// Whether a test's name is selected by `--filter TEXT` (it contains TEXT).
pub fn matches_filter(name: &str, filter: Option<&str>) -> bool {
    filter.is_none_or(|text| name.contains(text))
}

/// Runs every `test` block of `files` (the user's files) against `module`.
pub fn run_tests(files: &[SourceFile], module: &Verified) -> Result<Vec<TestResult>, String> {
    run_selected_tests(files, module, None)
}

/// Runs the `test` blocks of `files` whose name contains `filter` (all when `None`).
pub fn run_selected_tests(
    files: &[SourceFile],
    verified: &Verified,
    filter: Option<&str>,
) -> Result<Vec<TestResult>, String> {
    let module = verified.module();
    let program = Program::from_verified(verified.clone(), Tier::Native);
    let program = Arc::new(program.map_err(|e| e.to_string())?.with_branch_trace());
    let mut results = Vec::new();
    for file in files {
        for item in &file.items {
            if let ItemKind::Test(test) = &item.kind
                && matches_filter(&test.name.value, filter)
            {
                let mut run = TestRun::new(&program, module, file.id);
                let failure = run.run(test);
                results.push(TestResult {
                    name: test.name.value.clone(),
                    file: file.id,
                    span: item.span.clone(),
                    failure,
                    finished: run.finished,
                    branches: run.branches,
                });
            }
        }
    }
    Ok(results)
}

/// One test's conversation.
struct TestRun<'a> {
    conversations: Conversations,
    module: &'a Module,
    file: FileId,
    customer: Map<String, Json>,
    secrets: Map<String, Json>,
    started: bool,
    /// Outputs not yet consumed by an `expect`, oldest first.
    pending: Vec<Action>,
    /// The variable of the latest `ask`: what `answer` answers.
    asked: Option<String>,
    /// The runs finished so far: `(procedure, outcome)`.
    finished: Vec<(String, String)>,
    /// The `if` conditions tested so far.
    branches: Vec<BranchTaken>,
    /// The time of the inputs (`at`).
    at: jiff::Timestamp,
    /// Whether the statement after the current input is `expect error`: only then
    /// may the input be refused.
    error_expected: bool,
}

impl<'a> TestRun<'a> {
    fn new(program: &Arc<Program>, module: &'a Module, file: FileId) -> Self {
        TestRun {
            conversations: Conversations::new(Arc::clone(program)),
            module,
            file,
            customer: Map::new(),
            secrets: Map::new(),
            started: false,
            pending: Vec::new(),
            asked: None,
            finished: Vec::new(),
            branches: Vec::new(),
            at: crate::calendar::parse_instant(DEFAULT_TIME).unwrap_or_default(),
            error_expected: false,
        }
    }

    /// Runs the statements in order; the first failure becomes a diagnostic at it.
    fn run(&mut self, test: &TestDecl) -> Option<Diagnostic> {
        test.steps.iter().enumerate().find_map(|(index, step)| {
            self.error_expected = test
                .steps
                .get(index + 1)
                .is_some_and(|next| matches!(next.kind, TestStepKind::ExpectError(_)));
            self.step(step).err().map(|message| {
                Diagnostic::error(FAILURE_CODE, message, self.file, step.span.clone())
                    .with_primary_label("this statement failed")
            })
        })
    }

    fn step(&mut self, step: &TestStep) -> Result<(), String> {
        if let Some(expectation) = Expectation::from_step(&step.kind, self.module) {
            let secrets: Vec<&str> = self.secrets.values().filter_map(Json::as_str).collect();
            return expectation.check(&mut self.pending, &secrets);
        }
        match &step.kind {
            TestStepKind::Customer(fields) => {
                self.customer = literal_object(fields);
                Ok(())
            }
            TestStepKind::Secret { name, value } => {
                self.secrets
                    .insert(name.name.clone(), Json::String(value.value.clone()));
                Ok(())
            }
            TestStepKind::At(time) => {
                self.at = crate::calendar::parse_instant(&time.value)
                    .ok_or_else(|| format!("{:?} is not an RFC 3339 time", time.value))?;
                Ok(())
            }
            kind => {
                let event = self.event_for(kind)?;
                self.send(event)
            }
        }
    }

    /// The protocol event of an input statement.
    fn event_for(&self, kind: &TestStepKind) -> Result<Event, String> {
        let knowledge_id = |table: &[crate::codegen::module::Knowledge], name: &str| {
            table
                .iter()
                .find(|k| k.name == name)
                .map(|k| k.id.clone())
                .ok_or_else(|| format!("`{name}` is not in the bundle"))
        };
        Ok(match kind {
            TestStepKind::SendMessage(text) => Event::Message {
                text: Some(text.value.clone()),
            },
            TestStepKind::SendSource(name) => Event::Source {
                id: knowledge_id(&self.module.sources, &name.name)?,
            },
            TestStepKind::SendFaq(name) => Event::Faq {
                id: knowledge_id(&self.module.faqs, &name.name)?,
            },
            TestStepKind::SendFeedback { negative } => Event::Feedback {
                value: if *negative {
                    Feedback::Negative
                } else {
                    Feedback::Positive
                },
            },
            TestStepKind::SendUnanswered => Event::Unanswered,
            TestStepKind::Click(name) => Event::Click {
                procedure: name.name.clone(),
                vars: None,
            },
            TestStepKind::ClickWith { procedure, vars } => Event::Click {
                procedure: procedure.name.clone(),
                vars: Some(literal_object(vars)),
            },
            TestStepKind::Dismiss(name) => Event::Dismiss {
                procedure: name.name.clone(),
            },
            TestStepKind::Answer(value) => Event::Answer {
                var: self
                    .asked
                    .clone()
                    .ok_or("`answer`, but no question has been asked")?,
                value: literal_to_json(value),
            },
            TestStepKind::Provide(fields) => Event::Provide {
                vars: literal_object(fields),
            },
            TestStepKind::Approve | TestStepKind::Deny => Event::Approve {
                granted: matches!(kind, TestStepKind::Approve),
                by: Some("test".to_string()),
            },
            TestStepKind::Respond { status, body } => Event::Result {
                ok: (200..300).contains(&status.value),
                status: u16::try_from(status.value).ok(),
                response: Some(body.as_ref().map_or(Json::Null, literal_to_json)),
                output: None,
            },
            TestStepKind::Complete(output) => Event::Result {
                ok: true,
                status: None,
                response: None,
                output: Some(output.as_ref().map_or(Json::Null, literal_to_json)),
            },
            TestStepKind::Fail => Event::Result {
                ok: false,
                status: None,
                response: None,
                output: None,
            },
            TestStepKind::Cancel => Event::Cancel,
            other => return Err(format!("`{other:?}` is not an input")),
        })
    }

    /// Sends `start` first if it has not been sent, then the event; queues the outputs.
    /// Outputs of earlier inputs that no `expect` consumed are dropped: expectations
    /// speak of the latest input (the contract's own test skips the repeated `ask`
    /// after an `invalid`).
    fn send(&mut self, event: Event) -> Result<(), String> {
        self.pending.clear();
        if !self.started {
            self.started = true;
            let start = Event::Start {
                customer: self.customer.clone(),
                secrets: Some(self.secrets.clone()),
            };
            self.deliver(start)?;
        }
        self.deliver(event)
    }

    fn deliver(&mut self, event: Event) -> Result<(), String> {
        let step = self.conversations.handle(Input {
            at: Some(self.at),
            ..Input::new(CONVERSATION, event)
        });
        self.branches.extend(step.branches);
        for event in step.events {
            if let EventKind::Done {
                procedure, outcome, ..
            } = event.kind
            {
                self.finished.push((procedure, outcome));
            }
        }
        for Output { action, .. } in step.outputs {
            match action {
                Action::Error { code, message } if !self.error_expected => {
                    return Err(format!(
                        "the interpreter refused this input: {code}: {message}"
                    ));
                }
                Action::Ask { ref var, .. } => self.asked = Some(var.clone()),
                _ => {}
            }
            self.pending.push(action);
        }
        Ok(())
    }
}
