-- 11: the chunk after the first `received` is stored too (1) or not (0). It came while the
-- one before it was still being stored, and is counted with that one.
ALTER TABLE blobs ADD COLUMN ahead INTEGER NOT NULL DEFAULT 0;
