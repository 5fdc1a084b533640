-- 9: consents per unit, purpose and channel with their evidence (never overwritten: a
-- withdrawal stamps withdrawn_at, a new consent is a new row; at most one live per citizen,
-- unit, purpose and channel); one-time codes that verify a number or address; and the durable
-- queue of notices, whose recipient and text are sealed under the contact key like the
-- register.
CREATE TABLE consents (
    id TEXT COLLATE "C" PRIMARY KEY,
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    citizen_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    unit_id TEXT COLLATE "C" NOT NULL REFERENCES units(id),
    purpose TEXT NOT NULL,
    channel TEXT NOT NULL,
    given_at BIGINT NOT NULL,
    given_by TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    by_parent BOOLEAN NOT NULL,
    how TEXT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX consents_citizen ON consents (citizen_id, given_at);
CREATE UNIQUE INDEX consents_live ON consents (citizen_id, unit_id, purpose, channel)
    WHERE withdrawn_at IS NULL;
-- A youth's birth date ("2011-11-20"), entered by a caseworker: a parent's consent for him
-- lapses on his 15th birthday.
ALTER TABLE users ADD COLUMN born TEXT;
ALTER TABLE contacts ADD COLUMN code_sealed BYTEA;
ALTER TABLE contacts ADD COLUMN code_expires BIGINT;
ALTER TABLE contacts ADD COLUMN code_attempts INTEGER NOT NULL DEFAULT 0;
CREATE TABLE notices (
    id TEXT COLLATE "C" PRIMARY KEY,
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    citizen_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    dest BYTEA NOT NULL,
    body BYTEA NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    claimed_at BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    gateway_ref TEXT,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notices_due ON notices (state, next_at);
CREATE INDEX notices_citizen ON notices (citizen_id, created_at);
CREATE INDEX notices_ref ON notices (channel, gateway_ref);
-- A citizen's unread messages from staff in a conversation with a unit, watched for a notice:
-- since when (the oldest unread), when to decide next, and why he cannot be reached (the
-- reasons in words, as JSON) when nothing digital works. Deleted when he reads.
CREATE TABLE notice_watch (
    citizen_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    thread_id TEXT COLLATE "C" NOT NULL REFERENCES threads(id),
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    unit_id TEXT COLLATE "C" NOT NULL REFERENCES units(id),
    unread_since BIGINT NOT NULL,
    next_look BIGINT NOT NULL,
    unreachable TEXT,
    decided_at BIGINT,
    PRIMARY KEY (citizen_id, thread_id)
);
CREATE INDEX notice_watch_due ON notice_watch (next_look);
CREATE INDEX notice_watch_tenant ON notice_watch (tenant_id, unit_id);
