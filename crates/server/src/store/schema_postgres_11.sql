-- 11: a chunk stored ahead of the next one (its number), counted with the next; NULL when none.
-- A number, not a flag: a node that counts without knowing of it leaves a stale number that
-- no longer matches `received + 1`, rather than a flag that would claim a chunk never stored.
ALTER TABLE blobs ADD COLUMN ahead_chunk BIGINT;
