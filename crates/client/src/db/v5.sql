-- v5: planned messages. An outbox entry with a release time goes to the server's release queue
-- (`/v1/scheduled`) instead of straight into the inboxes; its message stays 'planned' until the
-- server releases it and it comes back.
ALTER TABLE outbox ADD COLUMN release_at INTEGER;
