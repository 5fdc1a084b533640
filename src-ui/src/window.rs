//! The slice of a long conversation the screen holds: the newest page when it opens, older
//! pages added in front as the person scrolls up. Only this slice is ever rendered, so a thread
//! of ten thousand messages opens as fast as one of ten. Pure, so it is tested off the browser.

use samtale_ipc::views::MessageView;

/// Messages per page.
pub const PAGE: u32 = 60;

fn key(m: &MessageView) -> (i64, &str) {
    (m.sent_at_ms, m.id.as_str())
}

/// Folds a freshly read newest page into the slice. Returns true when the slice had to start
/// over because more than a page arrived since it was read (joining would leave a hole).
pub fn merge_newest(slice: &mut Vec<MessageView>, newest: Vec<MessageView>) -> bool {
    let Some(first_new) = newest.first() else {
        slice.clear();
        return false;
    };
    // The slice joins the new page where the page still holds the slice's newest message.
    let joins = slice
        .last()
        .is_none_or(|last| newest.iter().any(|m| m.id == last.id));
    if !joins {
        *slice = newest;
        return true;
    }
    let first_new = key(first_new);
    let keep = slice.iter().take_while(|m| key(m) < first_new).count();
    slice.truncate(keep);
    slice.extend(newest);
    false
}

/// Puts an older page in front of the slice.
pub fn prepend_older(slice: &mut Vec<MessageView>, older: Vec<MessageView>) {
    let Some(first) = slice.first().map(|m| (m.sent_at_ms, m.id.clone())) else {
        *slice = older;
        return;
    };
    let mut older: Vec<MessageView> = older
        .into_iter()
        .filter(|m| (m.sent_at_ms, m.id.as_str()) < (first.0, first.1.as_str()))
        .collect();
    older.append(slice);
    *slice = older;
}

#[cfg(test)]
mod tests {
    use samtale_ipc::views::MessageState;
    use samtale_proto::{EnvelopeId, ThreadId};

    use super::*;

    fn m(n: u64) -> MessageView {
        MessageView {
            id: EnvelopeId::from_parts(n, [1; 10]),
            thread: ThreadId::from_parts(1, [1; 10]),
            sender: None,
            sender_name: String::new(),
            kind: "message".into(),
            body: format!("{n}"),
            sent_at_ms: i64::try_from(n).unwrap_or(0),
            state: MessageState::Received,
            error: None,
            mine: false,
            receipts: Vec::new(),
            card: None,
            files: Vec::new(),
            recorded: None,
        }
    }

    fn ms(r: std::ops::Range<u64>) -> Vec<MessageView> {
        r.map(m).collect()
    }

    fn bodies(v: &[MessageView]) -> Vec<u64> {
        v.iter().map(|m| m.sent_at_ms as u64).collect()
    }

    #[test]
    fn new_messages_join_the_slice_and_scrolled_history_stays() {
        let mut slice = ms(0..60);
        prepend_older(&mut slice, ms(0..10)); // overlap is dropped
        assert_eq!(bodies(&slice), (0..60).collect::<Vec<_>>());
        let mut slice = ms(100..160);
        prepend_older(&mut slice, ms(40..100));
        assert_eq!(slice.len(), 120);
        // Two new messages: the newest page now ends two later.
        assert!(!merge_newest(&mut slice, ms(102..162)));
        assert_eq!(bodies(&slice), (40..162).collect::<Vec<_>>());
        // A message's state changed: same page, replaced in place.
        let mut page = ms(102..162);
        page[59].state = MessageState::Sent;
        assert!(!merge_newest(&mut slice, page));
        assert_eq!(slice.len(), 122);
        assert_eq!(slice[121].state, MessageState::Sent);
    }

    #[test]
    fn a_gap_starts_the_slice_over() {
        let mut slice = ms(0..60);
        // More than a page arrived while away: the old slice cannot be joined without a hole.
        assert!(merge_newest(&mut slice, ms(200..260)));
        assert_eq!(bodies(&slice), (200..260).collect::<Vec<_>>());
        // A short thread that grows by one is no gap.
        let mut slice = ms(0..3);
        assert!(!merge_newest(&mut slice, ms(0..4)));
        assert_eq!(slice.len(), 4);
        let mut slice = Vec::new();
        assert!(!merge_newest(&mut slice, ms(0..5)));
        assert_eq!(slice.len(), 5);
    }
}
