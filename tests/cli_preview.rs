//! `procc preview` driven through the binary: scripted sessions on piped stdin (the
//! transcript checked as a snapshot), exit codes, secrets never printed, a real HTTP
//! request answered by a local server, and one session under a real pseudo-terminal.

#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

#[path = "common/http.rs"]
mod http;
mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};

use std::time::Duration;
use support::run_with_stdin;

const WEBSHOP_CUSTOMER: &str = r#"{"plan":"pro","country":"NL","orders":3}"#;

/// Runs `procc preview ARGS` with `script` on stdin.
fn preview(args: &[&str], script: &str) -> Output {
    run_with_stdin(
        support::procc()
            .arg("preview")
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("PROCC_SECRET_SHOP_TOKEN"),
        script,
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 transcript")
}

/// The whole webshop tour: a prompted profile (with a wrong attribute), a component with
/// a typed output, FAQ by name and by id, a bad button, a denial, a typed HTTP failure
/// and the offered hand-off, a dismissal, a restart, the analytics events.
const TOUR: &str = "\
enterprise
NL
twelve
12

hello
1
ann@example.com
60
Acme
ok {\"slot\": \"Tuesday 10:00\"}
/faq nonexistent
/faq refunds
7
2
AB123456
damaged
no
/faq faq_refunds
/click refund_order
AB123456
late
yes
503 {\"error\": \"busy\"}
1
ok
/source shipping_page
/dismiss 1
1
/unanswered
/restart
/source pricing_page
1
/events
/frobnicate
/quit
this line is never read
";

#[test]
fn scripted_tour_of_the_webshop() {
    let output = preview(&["examples/webshop", "--secret", "shop_token=t0k"], TOUR);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let transcript = stdout(&output);
    assert!(!transcript.contains("t0k"), "a secret was printed");
    assert!(!transcript.contains("never read"));
    insta::assert_snapshot!("preview_webshop_tour", transcript);
}

#[test]
fn a_typed_response_completes_a_request_and_hides_the_secret() {
    let script = "/faq refunds\n2\nann@example.com\nAB123456\nlate\n/approve\n\
                  200 {\"refund_id\": \"R-1\"}\n";
    let output = preview(
        &[
            "examples/webshop",
            "--customer",
            WEBSHOP_CUSTOMER,
            "--secret",
            "shop_token=s3cr3t-value",
        ],
        script,
    );
    assert_eq!(output.status.code(), Some(0));
    let transcript = stdout(&output);
    assert!(transcript.contains("header Authorization: Bearer ••••"));
    assert!(!transcript.contains("s3cr3t-value"));
    assert!(transcript.contains("agent says: Done: refund R-1 is on its way."));
    // `then`: the feedback question starts right after the refund's `done`.
    let done = transcript
        .find("done: refund_order completed")
        .expect("the refund completes");
    let hand_over = transcript
        .find("then: rate_refund starts")
        .expect("the hand-over is shown");
    assert!(done < hand_over, "{transcript}");
    assert!(
        transcript.ends_with("  done: rate_refund completed\n"),
        "{transcript}"
    );
}

#[test]
fn a_failure_shows_its_reason() {
    let output = preview(
        &[
            "tests/fixtures/rev2_outcomes.proc",
            "--customer",
            r#"{"plan":"pro"}"#,
        ],
        "/faq faq_refunds\n1\nshort\nshort\n",
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let transcript = stdout(&output);
    let said = transcript
        .find("agent says: I could not read an order number.")
        .expect("on failure ran");
    let done = transcript.find("done: refund failed").expect("done");
    let reason = transcript
        .find("reason: attempts")
        .expect("the reason is shown");
    assert!(said < done && done < reason, "{transcript}");
}

#[test]
fn a_bare_ok_fills_in_the_declared_response_shape() {
    let script = "/faq delivery\n1\nAB123456\nok\n";
    let output = preview(
        &[
            "examples/webshop",
            "--customer",
            WEBSHOP_CUSTOMER,
            "--secret",
            "shop_token=t0k",
        ],
        script,
    );
    let transcript = stdout(&output);
    assert!(
        transcript
            .contains("result: ok, status 200, {\"status\":\"processing\",\"eta\":\"2030-01-31\",\"express\":true}"),
        "{transcript}"
    );
    // A `one_of` is filled in with its first choice: the order is still being packed.
    assert!(
        transcript.contains("agent says: Order AB123456 is being packed"),
        "{transcript}"
    );
    assert!(transcript.contains("done: track_order completed"));
}

/// A list attribute typed into the profile, a list variable answered as text, and the
/// choices and suggestions of each question shown with it; a bare `ok` fills in a
/// nested `returns` shape.
#[test]
fn choices_suggestions_and_lists_are_shown() {
    let script = "pro\nAnn Smith, Bob\nBob\nhello\n1\ncheese, ham\ncarol\nbob\nok\n/quit\n";
    let output = preview(&["tests/fixtures/lists.proc"], script);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let transcript = stdout(&output);
    for expected in [
        "customer.payees ([text]): Ann Smith, Bob",
        r#"customer {"plan":"pro","payees":["Ann Smith","Bob"],"tags":["Bob"]}"#,
        "agent asks: Which toppings?  (toppings: [one_of])\n    choices: cheese | ham | olives\n    (several answers: separate them with commas)",
        "agent asks: Who is it for?  (recipient: text)\n    choices: Ann Smith | Bob\n    suggestions: Bob",
        "invalid recipient: You can send it to: Ann Smith, Bob.",
        r#"body {"toppings":["cheese","ham"],"to":"Bob"}"#,
        r#"result: ok, status 200, {"id":"example","items":[{"name":"example","price":1.5,"extra":"example"}]}"#,
        "agent says: Order example for Bob: cheese, ham (1 items).",
    ] {
        assert!(
            transcript.contains(expected),
            "{expected}\n---\n{transcript}"
        );
    }
}

#[test]
fn a_request_needing_a_secret_not_given_is_not_sent() {
    let script = "/faq delivery\n1\nAB123456\n";
    let output = preview(
        &["examples/webshop", "--customer", WEBSHOP_CUSTOMER],
        script,
    );
    let transcript = stdout(&output);
    assert!(
        transcript.contains("secrets not given (requests that need them are not sent): shop_token"),
        "{transcript}"
    );
    assert!(!transcript.contains("HTTP request:"), "{transcript}");
    assert!(
        transcript.contains("done: track_order failed"),
        "{transcript}"
    );
}

#[test]
fn help_teaches_the_commands() {
    let output = preview(
        &["examples/webshop", "--customer", WEBSHOP_CUSTOMER],
        "/help\n",
    );
    let transcript = stdout(&output);
    for command in ["/faq refunds", "/send", "/events", "/restart", "/quit"] {
        assert!(transcript.contains(command), "/help lacks {command}");
    }
    let help = Command::new(env!("CARGO_BIN_EXE_procc"))
        .args(["preview", "--help"])
        .output()
        .expect("procc runs");
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--customer-file"));
    assert!(text.contains("/source pricing_page"));
}

#[test]
fn exit_codes() {
    let broken = tempfile::tempdir().expect("tempdir");
    let file = broken.path().join("broken.proc");
    std::fs::write(&file, "procedure p: redirect { label \"x\" }\n").expect("written");
    let path = file.to_str().expect("UTF-8 path");
    assert_eq!(preview(&[path], "").status.code(), Some(1));

    let webshop = |args: &[&str]| {
        let mut all = vec!["examples/webshop"];
        all.extend_from_slice(args);
        preview(&all, "/quit\n").status.code()
    };
    assert_eq!(webshop(&["--customer", "[1]"]), Some(2));
    assert_eq!(webshop(&["--customer", r#"{"plan":"pro"}"#]), Some(2));
    assert_eq!(webshop(&["--customer-file", "/nonexistent.json"]), Some(2));
    assert_eq!(
        webshop(&["--customer", WEBSHOP_CUSTOMER, "--secret", "nope=1"]),
        Some(2)
    );
    assert_eq!(webshop(&["--customer", WEBSHOP_CUSTOMER]), Some(0));
    // End of input while the profile is being asked for.
    assert_eq!(
        preview(&["examples/webshop"], "pro\n").status.code(),
        Some(0)
    );
}

#[test]
fn the_profile_can_come_from_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("customer.json");
    std::fs::write(&file, WEBSHOP_CUSTOMER).expect("written");
    let output = preview(
        &[
            "examples/webshop",
            "--customer-file",
            file.to_str().expect("UTF-8 path"),
        ],
        "/customer\n",
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains(&format!("customer {WEBSHOP_CUSTOMER}")));
}

/// `/send` performs the request for real: a one-shot local HTTP server answers it.
#[test]
fn send_performs_the_request() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("a request arrives");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = stream.read(&mut buffer).expect("read");
            if read == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..read]);
        }
        let body = "{\"a\": 7}";
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("answer");
        String::from_utf8_lossy(&request).into_owned()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("look.proc");
    std::fs::write(
        &file,
        format!(
            "secret tok\n\
             procedure look: api_call {{\n\
               label \"Look it up\"\n\
               request GET \"http://127.0.0.1:{port}/x\" {{\n\
                 header \"Authorization\" = \"Bearer {{secret.tok}}\"\n\
               }}\n\
               returns {{ a: int }}\n\
               on success {{ say \"a is {{response.a}}\" }}\n\
               trigger always\n\
             }}\n"
        ),
    )
    .expect("written");
    let output = preview(
        &[file.to_str().expect("UTF-8"), "--secret", "tok=sekrit"],
        "hi\n1\n/send\n",
    );
    let request = server.join().expect("server");
    assert!(request.starts_with("GET /x HTTP/1.1"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains("authorization: bearer sekrit")
    );
    let transcript = stdout(&output);
    assert!(
        transcript.contains("result: ok, status 200, {\"a\":7}"),
        "{transcript}"
    );
    assert!(transcript.contains("agent says: a is 7"));
    assert!(!transcript.contains("sekrit"));
}

/// Under a real pseudo-terminal (util-linux `script`): rustyline reads the lines and the
/// transcript is coloured. Skipped when `script` is not installed.
#[test]
fn under_a_pseudo_terminal() {
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let command = format!(
        "{} preview examples/webshop --customer '{WEBSHOP_CUSTOMER}'",
        env!("CARGO_BIN_EXE_procc")
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut stdin = child.stdin.take().expect("stdin");
    // The line editor drops type-ahead when it switches the terminal to raw mode: give
    // it each line once it waits for one.
    for line in ["/faq refunds", "1", "/quit"] {
        std::thread::sleep(Duration::from_millis(700));
        writeln!(stdin, "{line}").expect("typed");
    }
    std::thread::sleep(Duration::from_millis(500));
    drop(stdin);
    let output = child.wait_with_output().expect("script ends");
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{transcript}");
    assert!(
        transcript.contains("\x1b[1;36moffers:\x1b[0m"),
        "{transcript}"
    );
    assert!(
        transcript.contains("follow-up question:\x1b[0m How long does a refund take?"),
        "{transcript}"
    );
    assert!(transcript.contains("done: refund_time completed"));
}

#[test]
fn a_lookup_is_answered_typed_or_for_real() {
    // Typed: a bare `ok` fills in the lookup's own `returns`.
    let fixture = "tests/fixtures/lookups/bank.proc";
    let customer = r#"{"id":"u1"}"#;
    let args = [
        fixture,
        "--customer",
        customer,
        "--secret",
        "bank_token=tok",
    ];
    let output = preview(&args, "/faq transfers\n1\nok\n");
    let transcript = stdout(&output);
    assert!(
        transcript.contains("lookup account, HTTP request: GET https://bank.example/accounts/u1"),
        "{transcript}"
    );
    assert!(
        transcript.contains(r#"result: ok, status 200, {"balance":1.5,"owner":"example"}"#),
        "{transcript}"
    );
    assert!(
        transcript.contains("agent asks: Who should get the money?"),
        "{transcript}"
    );
    assert!(!transcript.contains("Bearer tok"), "the secret is hidden");

    // For real: `/send` performs the lookup against a local server.
    let server = http::LocalServer::start(|_, _, _| {
        (
            200,
            String::new(),
            r#"{"balance": 70, "owner": "Ann"}"#.to_owned(),
        )
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let source = std::fs::read_to_string(fixture).expect("fixture").replace(
        "https://bank.example",
        &format!("http://127.0.0.1:{}", server.port),
    );
    let file = dir.path().join("bank.proc");
    std::fs::write(&file, source).expect("written");
    let file = file.to_str().expect("UTF-8");
    let output = preview(
        &[file, "--customer", customer, "--secret", "bank_token=tok"],
        "/faq transfers\n1\n/send\nBob\n500\n",
    );
    let transcript = stdout(&output);
    assert_eq!(server.requests_to("/accounts/u1").len(), 1, "{transcript}");
    assert!(
        transcript.contains("invalid amount: You have 70 on your account."),
        "{transcript}"
    );
}
