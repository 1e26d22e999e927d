//! The text that teaches the preview: `procc preview --help` and `/help` show it.

/// The commands of a preview session.
pub(super) const COMMANDS: &str = "\
Send what happens in the conversation:
  hello there          a customer message (fires `trigger always`)
  /faq refunds         the agent used an FAQ (its name or its platform id)
  /source pricing_page the agent used a knowledge source (name or id)
  /unanswered          the agent could not answer
  /negative            thumbs down (/positive: thumbs up)
Act as the customer:
  2                    click button [2] of the last offer (/click NAME works too)
  /dismiss 2           dismiss an offered procedure
  some text            while a question is asked: the answer (/answer TEXT)
  yes / no             while an approval is asked (/approve, /deny)
  /provide VAR VALUE   a value the agent already knows
  /cancel              cancel the running procedure
Answer what the platform waits for:
  /send                perform the pending HTTP request for real
  200 {\"id\": \"R-1\"}    type the HTTP response: a status and a JSON body
  ok / ok {json} / fail  the result of a request, component, script or hand-off
                       (a bare `ok` fills in an example of the declared shape)
Look around:
  /events              the analytics events of this conversation
  /customer            the customer profile
  /restart             end this conversation and start a new one
  /help                this text
  /quit                leave (Ctrl-D too)";

/// What `procc preview --help` adds after the options.
pub(super) const LONG_HELP: &str = "\
The customer profile comes from --customer '{\"plan\": \"pro\"}', from --customer-file
FILE.json, or, without either, is asked attribute by attribute. Secrets come from
--secret NAME=VALUE or the environment variable PROCC_SECRET_<NAME> (upper case); their
values are never printed.

Inside the session:
";
