//! Content-free notices outside the app (issue 9), the server's side: a citizen's phone number
//! and e-mail address checked as they are entered ([`contact`]), and the rules that decide,
//! for a citizen with an unread message from a unit, whether to tell him now, by which channel,
//! later (quiet hours), or not at all, and why ([`rules`]). The rules are pure: the sender
//! (to come) gathers the facts from the store and logs each decision with its reason as
//! delivery evidence.

pub mod contact;
pub mod rules;
