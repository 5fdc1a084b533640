-- Samtale server schema for PostgreSQL, migration 1. Never edit once shipped: add a migration.
--
-- The same tables as schema_sqlite.sql, in PostgreSQL types: TEXT ids (ULIDs, compared bytewise
-- with COLLATE "C" so ORDER BY gives the same order as SQLite), BIGINT times (ms since the Unix
-- epoch) and sequence numbers, BYTEA for hashes, keys and ciphertext. Header and event JSON stay
-- TEXT, not JSONB: a retried envelope is recognised by comparing the exact header text.
--
-- The version table, schema_migrations(version, applied_at_ms), is not part of this file: the
-- migration runner in postgres.rs creates it before it can know which migrations to apply.
CREATE TABLE tenants (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE
);
CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    tenant TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    username TEXT,
    password_hash TEXT,
    inbox_seq BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant, username)
);
CREATE TABLE devices (
    id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    enc_key TEXT NOT NULL,
    sign_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    join_proof TEXT,
    acked_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_user ON devices(user_id);
CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    device_id TEXT COLLATE "C" NOT NULL REFERENCES devices(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE invitations (
    id TEXT COLLATE "C" PRIMARY KEY,
    tenant TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    inviter TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    inviter_device TEXT COLLATE "C" NOT NULL REFERENCES devices(id),
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    youth TEXT COLLATE "C" REFERENCES users(id),
    lookup TEXT NOT NULL,
    check_hash BYTEA NOT NULL,
    proof_code BYTEA NOT NULL,
    proof_qr BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    used_by TEXT COLLATE "C" REFERENCES users(id)
);
CREATE UNIQUE INDEX invitations_live_lookup ON invitations(lookup) WHERE used_by IS NULL;
CREATE INDEX invitations_inviter ON invitations(inviter);
CREATE TABLE threads (
    id TEXT COLLATE "C" PRIMARY KEY,
    tenant TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    created_by TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE TABLE members (
    thread_id TEXT COLLATE "C" NOT NULL REFERENCES threads(id),
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX members_user ON members(user_id);
CREATE TABLE envelopes (
    id TEXT COLLATE "C" PRIMARY KEY,
    thread_id TEXT COLLATE "C" NOT NULL REFERENCES threads(id),
    digest BYTEA NOT NULL,
    header TEXT NOT NULL,
    ciphertext BYTEA NOT NULL,
    signature BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE inbox (
    user_id TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    envelope_id TEXT COLLATE "C",
    body TEXT,
    PRIMARY KEY (user_id, seq)
);
CREATE INDEX inbox_envelope ON inbox(envelope_id) WHERE envelope_id IS NOT NULL;
CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT COLLATE "C",
    action TEXT NOT NULL,
    subject TEXT NOT NULL
);
CREATE INDEX audit_tenant ON audit(tenant, id);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_update_or_delete BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
