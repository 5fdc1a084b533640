-- 4: the release queue. Scheduled messages, sealed when written, wait here until their time;
-- releasing one stores it in `envelopes`, fans it out and deletes it here in one transaction
-- (rows taken FOR UPDATE SKIP LOCKED, so several nodes never release one twice).
-- `recipients` (comma-separated user ids) limits the fan-out like `?to=`; NULL is every member.
CREATE TABLE held (
    id TEXT COLLATE "C" PRIMARY KEY,
    thread_id TEXT COLLATE "C" NOT NULL REFERENCES threads(id),
    sender TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    digest BYTEA NOT NULL,
    header TEXT NOT NULL,
    ciphertext BYTEA NOT NULL,
    signature BYTEA NOT NULL,
    recipients TEXT,
    release_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX held_due ON held(release_at);
CREATE INDEX held_sender ON held(sender, release_at);
