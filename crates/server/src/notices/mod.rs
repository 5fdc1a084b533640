//! Content-free notices outside the app (issue 9), the server's side: a citizen's phone number
//! and e-mail address checked as they are entered ([`contact`]); the rules that decide, for a
//! citizen with an unread message from a unit, whether to tell him now, by which channel,
//! later (quiet hours), or not at all, and why ([`rules`], pure); the durable queue that sends
//! them ([`queue`]) by SMS through a gateway's HTTP API ([`sms`]) or by e-mail over SMTP
//! ([`email`]); and the watch on unread messages that runs the rules ([`watch`]).

pub mod contact;
pub mod email;
pub mod queue;
pub mod rules;
pub mod sms;
pub mod watch;
