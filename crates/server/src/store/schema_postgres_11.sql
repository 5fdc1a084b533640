-- 11: the chunk after the first `received` is stored too. It came while the one before it
-- was still being stored, and is counted with that one.
ALTER TABLE blobs ADD COLUMN ahead BOOLEAN NOT NULL DEFAULT FALSE;
