-- Samtale server schema for SQLite, migration 1. Never edit once shipped: add a migration.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants(id),
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    username TEXT,
    password_hash TEXT,
    inbox_seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, username)
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    enc_key TEXT NOT NULL,
    sign_key BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    join_proof TEXT,
    acked_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX devices_user ON devices(user_id);
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants(id),
    inviter TEXT NOT NULL REFERENCES users(id),
    inviter_device TEXT NOT NULL REFERENCES devices(id),
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    youth TEXT REFERENCES users(id),
    lookup TEXT NOT NULL,
    check_hash BLOB NOT NULL,
    proof_code BLOB NOT NULL,
    proof_qr BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    used_by TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX invitations_live_lookup ON invitations(lookup) WHERE used_by IS NULL;
CREATE INDEX invitations_inviter ON invitations(inviter);
CREATE TABLE threads (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE TABLE members (
    thread_id TEXT NOT NULL REFERENCES threads(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX members_user ON members(user_id);
CREATE TABLE envelopes (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES threads(id),
    digest BLOB NOT NULL,
    header TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    signature BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE inbox (
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    envelope_id TEXT,
    body TEXT,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
CREATE INDEX inbox_envelope ON inbox(envelope_id) WHERE envelope_id IS NOT NULL;
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
