//! `expect` statements: each consumes the next unconsumed output of its kind.

use crate::codegen::module::Module;
use crate::syntax::ast::TestStepKind;
use crate::vm::protocol::Action;

/// What an `expect` statement wants of the next output of one kind.
pub(super) enum Expectation {
    /// `expect offer P, ...`: exactly that set.
    Offer(Vec<String>),
    /// `expect no offer`: no offer is waiting.
    NoOffer,
    /// `expect ask VAR`.
    Ask(String),
    /// `expect invalid VAR`.
    Invalid(String),
    /// `expect approve`.
    Approve,
    /// `expect say TEXT`.
    Say(String),
    /// `expect follow_up TEXT`.
    FollowUp(String),
    /// `expect redirect URL`.
    Redirect(String),
    /// `expect component N`, by platform id.
    Component(String),
    /// `expect switch_topic N`, by platform id.
    SwitchTopic(String),
    /// `expect live_chat QUEUE`.
    LiveChat(String),
    /// `expect request METHOD URL`.
    Request(String, String),
    /// `expect javascript`.
    Javascript,
    /// `expect done P OUTCOME`.
    Done(String, String),
    /// `expect error CODE`.
    Error(String),
}

impl Expectation {
    /// The expectation of a test statement, or `None` when it is an input or set-up.
    pub(super) fn from_step(kind: &TestStepKind, module: &Module) -> Option<Expectation> {
        let platform_id = |table: &[crate::codegen::module::Knowledge], name: &str| {
            table
                .iter()
                .find(|k| k.name == name)
                .map_or_else(|| name.to_string(), |k| k.id.clone())
        };
        Some(match kind {
            TestStepKind::ExpectOffer(names) => {
                let mut names: Vec<String> = names.iter().map(|n| n.name.clone()).collect();
                names.sort();
                Expectation::Offer(names)
            }
            TestStepKind::ExpectNoOffer => Expectation::NoOffer,
            TestStepKind::ExpectAsk(var) => Expectation::Ask(var.name.clone()),
            TestStepKind::ExpectInvalid(var) => Expectation::Invalid(var.name.clone()),
            TestStepKind::ExpectApprove => Expectation::Approve,
            TestStepKind::ExpectSay(text) => Expectation::Say(text.value.clone()),
            TestStepKind::ExpectFollowUp(text) => Expectation::FollowUp(text.value.clone()),
            TestStepKind::ExpectRedirect(url) => Expectation::Redirect(url.value.clone()),
            TestStepKind::ExpectComponent(name) => {
                let id = module
                    .components
                    .iter()
                    .find(|c| c.name == name.name)
                    .map_or_else(|| name.name.clone(), |c| c.id.clone());
                Expectation::Component(id)
            }
            TestStepKind::ExpectSwitchTopic(name) => {
                Expectation::SwitchTopic(platform_id(&module.topics, &name.name))
            }
            TestStepKind::ExpectLiveChat(queue) => Expectation::LiveChat(queue.value.clone()),
            TestStepKind::ExpectRequest { method, url } => {
                Expectation::Request(method.name.clone(), url.value.clone())
            }
            TestStepKind::ExpectJavascript => Expectation::Javascript,
            TestStepKind::ExpectDone { procedure, outcome } => {
                Expectation::Done(procedure.name.clone(), outcome.name.clone())
            }
            TestStepKind::ExpectError(code) => Expectation::Error(code.name.clone()),
            _ => return None,
        })
    }

    /// The protocol's name of the action kind this expectation consumes.
    fn action_name(&self) -> &'static str {
        match self {
            Expectation::Offer(_) | Expectation::NoOffer => "offer",
            Expectation::Ask(_) => "ask",
            Expectation::Invalid(_) => "invalid",
            Expectation::Approve => "approve",
            Expectation::Say(_) => "say",
            Expectation::FollowUp(_) => "follow_up",
            Expectation::Redirect(_) => "redirect",
            Expectation::Component(_) => "component",
            Expectation::SwitchTopic(_) => "switch_topic",
            Expectation::LiveChat(_) => "live_chat",
            Expectation::Request(..) => "request",
            Expectation::Javascript => "javascript",
            Expectation::Done(..) => "done",
            Expectation::Error(_) => "error",
        }
    }

    /// Consumes the next pending output of this expectation's kind and checks it. The
    /// test's `secrets` are hidden in a failure message, where they flow.
    pub(super) fn check(&self, pending: &mut Vec<Action>, secrets: &[&str]) -> Result<(), String> {
        let position = pending
            .iter()
            .position(|action| action.name() == self.action_name());
        if let Expectation::NoOffer = self {
            return match position {
                None => Ok(()),
                Some(index) => Err(format!(
                    "expected no offer, but got {}",
                    describe(&pending.remove(index), secrets)
                )),
            };
        }
        let Some(index) = position else {
            return Err(format!(
                "expected {}, but no `{}` output came{}",
                self.describe(),
                self.action_name(),
                waiting(pending, secrets)
            ));
        };
        let action = pending.remove(index);
        if self.matches(&action) {
            Ok(())
        } else {
            Err(format!(
                "expected {}, but got {}",
                self.describe(),
                describe(&action, secrets)
            ))
        }
    }

    fn matches(&self, action: &Action) -> bool {
        match (self, action) {
            (Expectation::Offer(names), Action::Offer { procedures }) => {
                let mut offered: Vec<&str> = procedures.iter().map(|p| p.id.as_str()).collect();
                offered.sort_unstable();
                offered == names.iter().map(String::as_str).collect::<Vec<_>>()
            }
            (Expectation::Ask(want), Action::Ask { var, .. })
            | (Expectation::Invalid(want), Action::Invalid { var, .. }) => want == var,
            (Expectation::Approve, Action::Approve { .. })
            | (Expectation::Javascript, Action::Javascript { .. }) => true,
            (Expectation::Say(want), Action::Say { text: got })
            | (Expectation::FollowUp(want), Action::FollowUp { question: got })
            | (Expectation::Redirect(want), Action::Redirect { url: got })
            | (Expectation::Component(want), Action::Component { component: got, .. })
            | (Expectation::SwitchTopic(want), Action::SwitchTopic { topic: got })
            | (Expectation::LiveChat(want), Action::LiveChat { queue: got, .. }) => want == got,
            (
                Expectation::Request(method, url),
                Action::Request {
                    method: m, url: u, ..
                },
            ) => method == m && url == u,
            (
                Expectation::Done(procedure, outcome),
                Action::Done {
                    procedure: p,
                    outcome: o,
                    ..
                },
            ) => procedure == p && outcome == o,
            (Expectation::Error(want), Action::Error { code, .. }) => want == code,
            _ => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Expectation::Offer(names) => format!("offer {}", names.join(", ")),
            Expectation::NoOffer => "no offer".to_string(),
            Expectation::Ask(var) => format!("ask {var}"),
            Expectation::Invalid(var) => format!("invalid {var}"),
            Expectation::Approve => "approve".to_string(),
            Expectation::Say(text) => format!("say {text:?}"),
            Expectation::FollowUp(text) => format!("follow_up {text:?}"),
            Expectation::Redirect(url) => format!("redirect {url:?}"),
            Expectation::Component(id) => format!("component {id:?}"),
            Expectation::SwitchTopic(id) => format!("switch_topic {id:?}"),
            Expectation::LiveChat(queue) => format!("live_chat {queue:?}"),
            Expectation::Request(method, url) => format!("request {method} {url:?}"),
            Expectation::Javascript => "javascript".to_string(),
            Expectation::Done(procedure, outcome) => format!("done {procedure} {outcome}"),
            Expectation::Error(code) => format!("error {code}"),
        }
    }
}

/// An output as the protocol's JSON, for failure messages.
fn describe(action: &Action, secrets: &[&str]) -> String {
    let action = crate::vm::redact::redact(action, secrets);
    serde_json::to_string(&action).unwrap_or_else(|_| action.name().to_string())
}

fn waiting(pending: &[Action], secrets: &[&str]) -> String {
    if pending.is_empty() {
        return " (no output is waiting)".to_string();
    }
    let list: Vec<String> = pending.iter().map(|a| describe(a, secrets)).collect();
    format!("; waiting: {}", list.join(", "))
}
