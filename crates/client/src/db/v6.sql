-- v6: cards in conversations. An appointment or a question is one row in its newest revision
-- (the JSON in `body`), shown by the message row `message_id` (the first revision this device
-- saw); replies and answers are kept as they come; reminders already given are kept so
-- that each is given once (a moved appointment has a new start, so its reminders come again).
CREATE TABLE cards (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    author TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    starts_at INTEGER,
    -- When it was cancelled or closed (the signed send time of that revision); NULL while open.
    closed_at INTEGER
);
CREATE INDEX cards_thread ON cards(thread_id);
CREATE INDEX cards_message ON cards(message_id);
CREATE INDEX cards_starts ON cards(kind, starts_at);
-- Every reply or answer is kept (one row per envelope): a member's newest one counts, and one
-- given after the card was cancelled or closed never does, so what counts can be read whatever
-- order the envelopes arrived in.
CREATE TABLE card_replies (
    card_id TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    value TEXT NOT NULL,
    -- Appointments: the start time the reply was given to.
    answered_to INTEGER,
    comment TEXT,
    at INTEGER NOT NULL,
    PRIMARY KEY (card_id, envelope_id)
);
CREATE INDEX card_replies_user ON card_replies(card_id, user_id, at);
CREATE INDEX card_replies_by ON card_replies(user_id, at);
CREATE TABLE reminders_given (
    card_id TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    PRIMARY KEY (card_id, starts_at, minutes)
);
