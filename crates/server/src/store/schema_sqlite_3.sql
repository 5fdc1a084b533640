-- 3: device trust. Each device records how another device of its user vouched for it (the
-- link; none on a chain's first device), its chain, when it was revoked and when it was last
-- seen; each user their current chain and whether an administrator disabled them. Link
-- requests hold a new device's keys until a device of the person accepts them.
ALTER TABLE devices ADD COLUMN link_signer TEXT;
ALTER TABLE devices ADD COLUMN link_at INTEGER;
ALTER TABLE devices ADD COLUMN link_signature BLOB;
ALTER TABLE devices ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN revoked_at INTEGER;
ALTER TABLE devices ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
UPDATE devices SET last_seen = created_at;
ALTER TABLE users ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_device ON sessions(device_id);
-- An invitation for a person whose keys were reset adds a device to that account.
ALTER TABLE invitations ADD COLUMN for_user TEXT REFERENCES users(id);
CREATE TABLE link_requests (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    enc_key TEXT NOT NULL,
    sign_key BLOB NOT NULL,
    lookup TEXT NOT NULL,
    check_hash BLOB NOT NULL,
    proof_code BLOB NOT NULL,
    proof_qr BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    accepted_user TEXT REFERENCES users(id),
    signer TEXT,
    proof_kind TEXT,
    signer_proof BLOB,
    inbox_head INTEGER,
    claimed INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX link_requests_live_lookup ON link_requests(lookup) WHERE accepted_user IS NULL;
