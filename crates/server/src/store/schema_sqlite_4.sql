-- 4: the release queue. Scheduled messages, sealed when written, wait here until their time;
-- releasing one stores it in `envelopes`, fans it out and deletes it here in one transaction.
-- `recipients` (comma-separated user ids) limits the fan-out like `?to=`; NULL is every member.
CREATE TABLE held (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES threads(id),
    sender TEXT NOT NULL REFERENCES users(id),
    digest BLOB NOT NULL,
    header TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    signature BLOB NOT NULL,
    recipients TEXT,
    release_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX held_due ON held(release_at);
CREATE INDEX held_sender ON held(sender, release_at);
