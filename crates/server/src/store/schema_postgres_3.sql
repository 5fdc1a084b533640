-- 3: device trust. Each device records how another device of its user vouched for it (the
-- link; none on a chain's first device), its chain, when it was revoked and when it was last
-- seen; each user their current chain and whether an administrator disabled them. Link
-- requests hold a new device's keys until a device of the person accepts them.
ALTER TABLE devices ADD COLUMN link_signer TEXT COLLATE "C";
ALTER TABLE devices ADD COLUMN link_at BIGINT;
ALTER TABLE devices ADD COLUMN link_signature BYTEA;
ALTER TABLE devices ADD COLUMN chain BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN revoked_at BIGINT;
ALTER TABLE devices ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;
UPDATE devices SET last_seen = created_at;
ALTER TABLE users ADD COLUMN chain BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_device ON sessions(device_id);
-- An invitation for a person whose keys were reset adds a device to that account.
ALTER TABLE invitations ADD COLUMN for_user TEXT COLLATE "C" REFERENCES users(id);
CREATE TABLE link_requests (
    id TEXT COLLATE "C" PRIMARY KEY,
    device_id TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT NOT NULL,
    enc_key TEXT NOT NULL,
    sign_key BYTEA NOT NULL,
    lookup TEXT NOT NULL,
    check_hash BYTEA NOT NULL,
    proof_code BYTEA NOT NULL,
    proof_qr BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    accepted_user TEXT COLLATE "C" REFERENCES users(id),
    signer TEXT COLLATE "C",
    proof_kind TEXT,
    signer_proof BYTEA,
    inbox_head BIGINT,
    claimed BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX link_requests_live_lookup ON link_requests(lookup) WHERE accepted_user IS NULL;
