//! The revision-2 flows of `examples/saas` and `examples/public_service` through
//! `procc run --host-http`: the JSON-lines protocol an agent service speaks, with the
//! test answering every request (lookups included) with a `result`.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

mod support;

use serde_json::{Value, json};
use support::{json_lines_of, jsonl, procc};

/// Runs `procc run PROJECT --host-http` with these inputs (conversation `c`, every input
/// at `at`); its outputs.
fn session(project: &str, at: &str, inputs: &[Value]) -> Vec<Value> {
    let timed: Vec<Value> = inputs
        .iter()
        .cloned()
        .map(|mut input| {
            input["at"] = json!(at);
            input
        })
        .collect();
    json_lines_of(
        procc().args(["run", project, "--host-http"]),
        &jsonl("c", &timed),
    )
}

/// For each action, the field that tells its outputs apart.
const KEY_FIELD: [(&str, &str); 7] = [
    ("ask", "var"),
    ("invalid", "var"),
    ("say", "text"),
    ("follow_up", "question"),
    ("component", "component"),
    ("approve", "by"),
    ("error", "code"),
];

/// Each output as `action: detail`, where the detail is the key field, a request's method,
/// URL and lookup (`-` for none), a `done`'s procedure and outcome, an offer's ids.
fn brief(outputs: &[Value]) -> Vec<String> {
    let text = |v: &Value| v.as_str().unwrap_or("?").to_owned();
    let detail = |o: &Value, action: &str| -> String {
        if let Some((_, field)) = KEY_FIELD.iter().find(|(a, _)| *a == action) {
            return text(&o[*field]);
        }
        match action {
            "request" => {
                [&o["method"], &o["url"]].map(text).join(" ")
                    + " "
                    + o["lookup"].as_str().unwrap_or("-")
            }
            "done" => format!("{} {}", text(&o["procedure"]), text(&o["outcome"])),
            "offer" => o["procedures"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| text(&p["id"]))
                .collect::<Vec<_>>()
                .join(","),
            _ => String::new(),
        }
    };
    outputs
        .iter()
        .map(|o| {
            let action = text(&o["action"]);
            format!("{action}: {}", detail(o, &action))
        })
        .collect()
}

fn ok(status: u16, response: Value) -> Value {
    json!({"event": "result", "ok": true, "status": status, "response": response})
}

fn answer(var: &str, value: Value) -> Value {
    json!({"event": "answer", "var": var, "value": value})
}

/// A saas conversation of user `user` up to the click on `upgrade_plan` and the billing
/// system's answer about the account, in which the user is an admin or not.
fn upgrade_after_the_account_lookup(user: &str, is_admin: bool) -> Vec<Value> {
    vec![
        json!({"event": "start",
               "customer": {"account_id": "acme42", "user_id": user, "plan": "starter", "seats": 12, "admin": true},
               "secrets": {"billing_api_key": "sk-test"}}),
        json!({"event": "source", "id": "src_pricing_docs"}),
        json!({"event": "click", "procedure": "upgrade_plan"}),
        ok(
            200,
            json!({"plan": "starter", "seats_used": 12, "is_admin": is_admin, "admins": ["Ann", "Raj"],
                   "trial_extended": false, "billing": {"overdue_invoices": 0}}),
        ),
    ]
}

#[test]
fn saas_an_upgrade_looks_the_account_up_then_asks_for_a_rating() {
    let outputs = session(
        "examples/saas",
        "2026-03-02T09:30:00Z",
        &[
            upgrade_after_the_account_lookup("u7", true),
            vec![
                answer("admin_email", json!("it@acme.example")),
                answer("new_plan", json!("pro")),
                answer("seats_wanted", json!(20)),
                json!({"event": "approve", "granted": true, "by": "staff"}),
                ok(
                    200,
                    json!({"plan": "pro", "monthly_price": 49.5, "status": "pending_payment"}),
                ),
                json!({"event": "result", "ok": true, "output": {"stars": 1}}),
            ],
        ]
        .concat(),
    );
    assert_eq!(
        brief(&outputs),
        [
            "offer: upgrade_plan",
            "request: GET https://api.saas.example/v1/accounts/acme42?user=u7 account",
            "ask: admin_email",
            "ask: new_plan",
            "ask: seats_wanted",
            "approve: staff",
            "request: POST https://api.saas.example/v1/accounts/acme42/subscription -",
            "say: Almost done: please confirm the payment in the email we sent to it@acme.example. You move to pro as soon as it is confirmed.",
            "done: upgrade_plan completed",
            "component: star-rating",
            "say: Thank you. A product manager reads every low rating and may contact you.",
            "done: rate_upgrade completed",
        ]
    );
    // The plans above the current one come from the lookup, as the question's choices.
    let new_plan = outputs.iter().find(|o| o["var"] == "new_plan").unwrap();
    assert_eq!(new_plan["choices"], json!(["pro", "enterprise"]));
    let approval = outputs.iter().find(|o| o["action"] == "approve").unwrap();
    assert_eq!(
        approval["prompt"],
        "Upgrade acme42 from starter to pro with 20 seats (yearly: false)?"
    );
}

#[test]
fn saas_a_user_who_is_not_an_admin_is_told_whom_to_ask_and_nothing_is_asked() {
    let outputs = session(
        "examples/saas",
        "2026-03-02T09:30:00Z",
        &[
            upgrade_after_the_account_lookup("u9", false),
            // Nothing is being asked: the answer is refused.
            vec![answer("admin_email", json!("bo@acme.example"))],
        ]
        .concat(),
    );
    assert_eq!(
        brief(&outputs),
        [
            "offer: upgrade_plan",
            "request: GET https://api.saas.example/v1/accounts/acme42?user=u9 account",
            "say: Only an admin of your account can change the plan. Please ask Ann or Raj.",
            "offer: open_docs",
            "done: upgrade_plan failed",
            "error: unexpected_answer",
        ]
    );
}

#[test]
fn city_a_desk_appointment_is_checked_against_the_calendar_day_by_day() {
    let calendar = |date: &str| {
        format!(
            "request: GET https://api.city.example/v1/desk/calendar/{date}?service=passport desk_day"
        )
    };
    let outputs = session(
        "examples/public_service",
        "2026-03-02T09:30:00Z",
        &[
            json!({"event": "start",
                   "customer": {"citizen_id": "NL778", "municipality": "Utrecht", "logged_in": false},
                   "secrets": {"city_api_token": "ct-1"}}),
            json!({"event": "provide", "vars": {"contact_email": "sam@example.org"}}),
            json!({"event": "faq", "id": "faq_desk_appointments"}),
            json!({"event": "click", "procedure": "book_desk_visit"}),
            answer("service", json!("passport")),
            // A Saturday: refused by its type, without a request.
            answer("visit_date", json!("2026-03-07")),
            // Closed according to the calendar.
            answer("visit_date", json!("2026-04-06")),
            ok(
                200,
                json!({"open": false, "free": [], "location": "City Hall"}),
            ),
            answer("visit_date", json!("2026-03-03")),
            ok(
                200,
                json!({"open": true, "free": ["09:00", "13:30"], "location": "City Hall"}),
            ),
            answer("visit_time", json!("13:30")),
            ok(201, json!({"reference": "AFS-88"})),
        ],
    );
    assert_eq!(
        brief(&outputs),
        [
            "offer: book_desk_visit",
            "ask: service",
            "ask: visit_date",
            "invalid: visit_date",
            "ask: visit_date",
            calendar("2026-04-06").as_str(),
            "invalid: visit_date",
            "ask: visit_date",
            calendar("2026-03-03").as_str(),
            "ask: visit_time",
            "request: POST https://api.city.example/v1/desk/appointments -",
            "say: See you on tuesday 2026-03-03 at 13:30, City Hall. Your reference is AFS-88; a confirmation goes to sam@example.org.",
            "done: book_desk_visit completed",
            "follow_up: What should I bring to my appointment at the city desk?",
            "done: what_to_bring completed",
        ]
    );
    let messages: Vec<&Value> = outputs
        .iter()
        .filter_map(|o| (o["action"] == "invalid").then_some(&o["message"]))
        .collect();
    assert_eq!(
        messages,
        [
            "The desk is closed at weekends: please pick a day from Monday to Friday.",
            "The desk is closed on 2026-04-06. Please pick another weekday."
        ]
    );
    let time = outputs.iter().find(|o| o["var"] == "visit_time").unwrap();
    assert_eq!(time["choices"], json!(["09:00", "13:30"]));
}

#[test]
fn city_after_office_hours_the_contact_form_replaces_the_chat() {
    let customer = json!({"event": "start",
        "customer": {"citizen_id": "NL778", "municipality": "Utrecht", "logged_in": false}});
    let offered = |at: &str| {
        let outputs = session(
            "examples/public_service",
            at,
            &[customer.clone(), json!({"event": "unanswered"})],
        );
        brief(&outputs)
    };
    // Amsterdam is UTC+1 in March: 16:59 and 17:00 there.
    assert_eq!(offered("2026-03-02T15:59:00Z"), ["offer: city_desk"]);
    assert_eq!(offered("2026-03-02T16:00:00Z"), ["offer: contact_form"]);
    assert_eq!(offered("2026-03-07T10:00:00Z"), ["offer: contact_form"]);
}
