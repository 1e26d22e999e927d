//! One preview conversation: turns commands into protocol events, shows the outputs, and
//! keeps what the next command needs (the last offer's buttons, what is pending, the
//! analytics events).

use std::sync::Arc;

use procc::codegen::module::Knowledge;
use procc::vm::protocol::{Feedback, Offered};
use procc::vm::{Action, AnalyticsEvent, Conversations, Event, EventKind, Input, Program};
use serde_json::{Map, Value as Json};

use super::commands::{self, Command, Pending, ResultSpec, Target};
use super::render::{self, Painter, Redactor, Tone};
use super::result::{self, Awaiting};

/// Whether the session goes on.
pub(super) enum Flow {
    /// Read the next line.
    Continue,
    /// Leave.
    Quit,
}

/// The state of a preview.
pub(super) struct Preview {
    conversations: Conversations,
    program: Arc<Program>,
    customer: Map<String, Json>,
    secrets: Map<String, Json>,
    painter: Painter,
    redactor: Redactor,
    /// How many conversations were started (names them `preview-N`).
    started: u32,
    conversation: String,
    /// The buttons of the last offer.
    offer: Vec<Offered>,
    pending: Pending,
    awaiting: Option<Awaiting>,
    /// The request the run waits on, for `/send`.
    request: Option<Action>,
    running: Option<String>,
    events: Vec<AnalyticsEvent>,
    /// How many outputs were shown so far.
    shown: usize,
}

impl Preview {
    /// A preview of `program`; no conversation yet.
    pub(super) fn new(
        program: Arc<Program>,
        secrets: Map<String, Json>,
        painter: Painter,
        redactor: Redactor,
    ) -> Preview {
        Preview {
            conversations: Conversations::new(Arc::clone(&program)),
            program,
            customer: Map::new(),
            secrets,
            painter,
            redactor,
            started: 0,
            conversation: String::new(),
            offer: Vec::new(),
            pending: Pending::Nothing,
            awaiting: None,
            request: None,
            running: None,
            events: Vec::new(),
            shown: 0,
        }
    }

    /// Starts a conversation with this profile; false (with the error shown) when the
    /// profile does not fit the schema.
    pub(super) fn start(&mut self, customer: Map<String, Json>) -> bool {
        self.started += 1;
        self.conversation = format!("preview-{}", self.started);
        self.offer.clear();
        self.pending = Pending::Nothing;
        self.awaiting = None;
        self.request = None;
        self.running = None;
        self.events.clear();
        let ok = self.send(Event::Start {
            customer: customer.clone(),
            secrets: Some(self.secrets.clone()),
        });
        if ok {
            self.note(&format!(
                "conversation {} started; customer {}",
                self.conversation,
                render::compact(&Json::Object(customer.clone()))
            ));
            self.customer = customer;
        }
        ok
    }

    /// The prompt for the next line: it says what plain text will mean.
    pub(super) fn prompt(&self) -> &'static str {
        match self.pending {
            Pending::Nothing => "customer> ",
            Pending::Ask(_) => "answer> ",
            Pending::Approval => "approve? ",
            Pending::Effect => "result> ",
        }
    }

    /// Carries out one typed line.
    pub(super) fn command(&mut self, line: &str) -> Flow {
        match commands::parse(line, &self.pending) {
            Command::Nothing => {}
            Command::Quit => return Flow::Quit,
            Command::Help => println!("{}", super::help::COMMANDS),
            Command::Customer => self.note(&format!(
                "customer {}",
                render::compact(&Json::Object(self.customer.clone()))
            )),
            Command::Events => self.show_events(),
            Command::Restart => {
                self.send(Event::End);
                let customer = self.customer.clone();
                self.start(customer);
            }
            Command::Message(text) => {
                self.trigger(Event::Message { text: Some(text) });
            }
            Command::Faq(name) => {
                if let Some(id) = self.knowledge("FAQ", &self.program.module().faqs, &name) {
                    self.trigger(Event::Faq { id });
                }
            }
            Command::Source(name) => {
                if let Some(id) = self.knowledge("source", &self.program.module().sources, &name) {
                    self.trigger(Event::Source { id });
                }
            }
            Command::Unanswered => {
                self.trigger(Event::Unanswered);
            }
            Command::Negative => {
                self.trigger(Event::Feedback {
                    value: Feedback::Negative,
                });
            }
            Command::Positive => {
                self.trigger(Event::Feedback {
                    value: Feedback::Positive,
                });
            }
            Command::Click(target) => {
                if let Some(procedure) = self.button(target) {
                    self.send(Event::Click {
                        procedure,
                        vars: None,
                    });
                }
            }
            Command::Dismiss(target) => {
                if let Some(procedure) = self.button(target)
                    && self.send(Event::Dismiss { procedure })
                {
                    self.note("dismissed");
                }
            }
            Command::Answer(text) => match &self.pending {
                Pending::Ask(var) => {
                    let var = var.clone();
                    self.send(Event::Answer {
                        var,
                        value: Json::String(text),
                    });
                }
                _ => self.complain("nothing is being asked; use /provide VAR VALUE"),
            },
            Command::Provide(var, value) => {
                let mut vars = Map::new();
                vars.insert(var, Json::String(value));
                self.send(Event::Provide { vars });
            }
            Command::Approve => self.decide(true),
            Command::Deny => self.decide(false),
            Command::Send => self.perform_request(),
            Command::Result(spec) => self.typed_result(&spec),
            Command::Cancel => {
                self.send(Event::Cancel);
            }
            Command::Unknown(why) => self.complain(&why),
        }
        Flow::Continue
    }

    /// Sends a trigger event; says so when it offers nothing.
    fn trigger(&mut self, event: Event) {
        let before = self.shown;
        self.send(event);
        if self.shown == before {
            self.note("(no procedure is offered)");
        }
    }

    /// Sends an approval decision.
    fn decide(&mut self, granted: bool) {
        self.send(Event::Approve { granted, by: None });
    }

    /// Feeds a typed-in result to the pending effect.
    fn typed_result(&mut self, spec: &ResultSpec) {
        let Some(awaiting) = &self.awaiting else {
            self.complain("no request, component, script or hand-off is waiting for a result");
            return;
        };
        match result::event(spec, awaiting, self.program.module()) {
            Ok(event) => {
                self.show_result(&event);
                self.send(event);
            }
            Err(why) => self.complain(&why),
        }
    }

    /// `/send`: performs the pending request with the runtime's HTTP client.
    fn perform_request(&mut self) {
        let Some(request) = self.request.clone() else {
            self.complain("no HTTP request is waiting");
            return;
        };
        match super::http::perform(&request) {
            Ok((event, summary)) => {
                self.note(&summary);
                self.show_result(&event);
                self.send(event);
            }
            Err(why) => self.complain(&why),
        }
    }

    /// Shows the `result` event about to be sent.
    fn show_result(&self, event: &Event) {
        if let Event::Result {
            ok,
            status,
            response,
            output,
        } = event
        {
            let mut text = format!("result: {}", if *ok { "ok" } else { "failed" });
            if let Some(status) = status {
                text.push_str(&format!(", status {status}"));
            }
            if let Some(body) = response.as_ref().or(output.as_ref()) {
                text.push_str(&format!(", {}", render::compact(body)));
            }
            // A response may echo a secret back: hidden in what is shown.
            self.note(&self.redactor.apply(&text));
        }
    }

    /// The platform id for an FAQ or source given by name or id.
    fn knowledge(&self, what: &str, table: &[Knowledge], name: &str) -> Option<String> {
        if let Some(entry) = table.iter().find(|k| k.name == name || k.id == name) {
            return Some(entry.id.clone());
        }
        let known: Vec<&str> = table.iter().map(|k| k.name.as_str()).collect();
        self.complain(&format!(
            "no {what} named `{name}`; the project has: {}",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ));
        None
    }

    /// The procedure behind a button number or name.
    fn button(&self, target: Target) -> Option<String> {
        match target {
            Target::Name(name) => Some(name),
            Target::Number(number) => {
                let found = number
                    .checked_sub(1)
                    .and_then(|i| self.offer.get(i))
                    .map(|o| o.id.clone());
                if found.is_none() {
                    self.complain(&if self.offer.is_empty() {
                        "nothing is on offer yet".to_owned()
                    } else {
                        format!("the last offer has buttons 1 to {}", self.offer.len())
                    });
                }
                found
            }
        }
    }

    /// Sends one event and shows its outputs; false when it was refused with an error.
    fn send(&mut self, event: Event) -> bool {
        let step = self.conversations.handle(Input {
            at: Some(jiff::Timestamp::now()),
            ..Input::new(self.conversation.clone(), event)
        });
        for e in &step.events {
            if let EventKind::Clicked { procedure, .. } = &e.kind {
                self.running = Some(procedure.clone());
            }
        }
        let mut ok = true;
        // Each `done` output has its `done` event, in the same order: it tells the reason
        // of a failure; a `clicked` event with `after` is a `then` hand-over.
        let mut endings = step.events.iter().filter_map(|e| match &e.kind {
            EventKind::Done { reason, .. } => Some(reason.clone()),
            _ => None,
        });
        let mut hand_overs = step.events.iter().filter_map(|e| match &e.kind {
            EventKind::Clicked {
                procedure,
                after: Some(after),
            } => Some((after.clone(), procedure.clone())),
            _ => None,
        });
        for output in &step.outputs {
            for line in render::action(&self.redactor.action(&output.action), &self.painter) {
                println!("  {line}");
            }
            if let Action::Done { procedure, .. } = &output.action {
                if let Some(Some(reason)) = endings.next() {
                    println!(
                        "  {}",
                        self.painter
                            .paint(render::Tone::Dim, &format!("  reason: {reason}"))
                    );
                }
                if let Some((after, next)) = hand_overs.clone().next()
                    && after == *procedure
                {
                    hand_overs.next();
                    println!(
                        "  {}",
                        self.painter
                            .paint(render::Tone::Dim, &format!("then: {next} starts"))
                    );
                }
            }
            ok &= !matches!(output.action, Action::Error { .. });
            self.shown += 1;
            self.track(&output.action);
        }
        self.events.extend(step.events);
        ok
    }

    /// Updates what is pending after an output.
    fn track(&mut self, action: &Action) {
        let effect = |s: &mut Preview, awaiting: Awaiting| {
            s.pending = Pending::Effect;
            s.awaiting = Some(awaiting);
        };
        match action {
            Action::Offer { procedures } => self.offer = procedures.clone(),
            Action::Ask { var, .. } => self.pending = Pending::Ask(var.clone()),
            Action::Approve { .. } => self.pending = Pending::Approval,
            Action::Request { lookup, .. } => {
                self.request = Some(action.clone());
                let awaiting = match lookup {
                    Some(name) => Awaiting::Lookup(name.clone()),
                    None => Awaiting::Request(self.running.clone()),
                };
                effect(self, awaiting);
            }
            Action::Component { component, .. } => {
                effect(self, Awaiting::Component(component.clone()));
            }
            Action::Javascript { .. } => effect(self, Awaiting::Script),
            Action::LiveChat { .. } => effect(self, Awaiting::LiveChat),
            Action::Done { procedure, .. } => {
                self.pending = Pending::Nothing;
                self.awaiting = None;
                self.request = None;
                if self.running.as_deref() == Some(procedure) {
                    self.running = None;
                }
            }
            Action::Invalid { .. }
            | Action::FollowUp { .. }
            | Action::Redirect { .. }
            | Action::SwitchTopic { .. }
            | Action::Say { .. }
            | Action::Error { .. } => {}
        }
    }

    /// `/events`.
    fn show_events(&self) {
        if self.events.is_empty() {
            self.note("no analytics events yet");
        }
        for (i, event) in self.events.iter().enumerate() {
            println!(
                "  {}",
                self.painter.paint(
                    Tone::Dim,
                    &format!("{:>3}. {}", i + 1, render::event(event))
                )
            );
        }
    }

    /// A remark of the preview itself.
    fn note(&self, text: &str) {
        println!("  {}", self.painter.paint(Tone::Dim, text));
    }

    /// Why a line was not taken.
    fn complain(&self, text: &str) {
        println!("  {}", self.painter.paint(Tone::Bad, text));
    }
}
