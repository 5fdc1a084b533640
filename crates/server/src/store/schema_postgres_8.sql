-- 8: the contact register: a citizen's mobile number and e-mail address for content-free
-- notices, each sealed under the server's contact key (never stored in the clear), with where
-- it came from and where it stands.
CREATE TABLE contacts (
    citizen_id TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    channel TEXT NOT NULL,
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    value BYTEA NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    verified_at BIGINT,
    failed_at BIGINT,
    PRIMARY KEY (citizen_id, channel)
);
