-- Samtale client store, migration 1. Shipped migrations are never edited: add a new file.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL
);
-- Devices whose keys this device has pinned (trust on first use, or checked through an
-- invitation proof: verified = 1; a proof that failed: verified = -1).
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    enc_key TEXT NOT NULL,
    sign_key TEXT NOT NULL,
    pinned_at INTEGER NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX devices_user ON devices(user_id);
CREATE TABLE threads (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE members (
    thread_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);
-- Messages shown in a thread. kind 'notice' rows are made by this device (key changes, failed
-- checks); state is queued, sent, failed (own) or received (others').
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_device TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    error TEXT
);
CREATE INDEX messages_thread ON messages(thread_id, sent_at, id);
CREATE TABLE receipts (
    envelope_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (envelope_id, device_id, kind)
);
-- Sealed envelopes waiting for the server, oldest first. Survives restarts.
CREATE TABLE outbox (
    envelope_id TEXT PRIMARY KEY,
    envelope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    -- 1 when the server refused it for good; waits for the user to retry or discard.
    parked INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE pending_receipts (
    thread_id TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (envelope_id, kind)
);
-- Invitations this caseworker made: the secrets that check the joining device's proof.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    code TEXT NOT NULL,
    code_secret TEXT NOT NULL,
    qr_secret BLOB NOT NULL,
    qr_payload TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    joined_user TEXT,
    created_at INTEGER NOT NULL
);
CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
END;
