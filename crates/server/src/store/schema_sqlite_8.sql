-- 8: the contact register: a citizen's mobile number and e-mail address for content-free
-- notices, each sealed under the server's contact key (never stored in the clear), with where
-- it came from and where it stands.
CREATE TABLE contacts (
    citizen_id TEXT NOT NULL REFERENCES users(id),
    channel TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    value BLOB NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    verified_at INTEGER,
    failed_at INTEGER,
    PRIMARY KEY (citizen_id, channel)
);
