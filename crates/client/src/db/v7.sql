-- v7: files in messages. One row per file of a message, sent or received: what the sealed
-- message said about it (name, type, sizes, the ciphertext's hash, its key, a thumbnail) and
-- where it stands on this device. `local_path` is its ciphertext in the profile (kept
-- encrypted; opened into a plain copy only when the person saves or opens it). `done` counts
-- the ciphertext bytes moved so far, for progress and to resume.
CREATE TABLE files (
    blob_id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    cipher_size INTEGER NOT NULL,
    sha256 BLOB NOT NULL,
    file_key TEXT NOT NULL,
    thumbnail BLOB,
    -- 'out' (this device uploads it) or 'in'.
    direction TEXT NOT NULL,
    -- out: 'uploading', 'uploaded'; in: 'remote', 'downloading', 'local'; either: 'failed'.
    state TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    local_path TEXT,
    error TEXT
);
CREATE INDEX files_message ON files(message_id, position);
-- The files an outbox envelope carries (comma-separated blob ids): uploaded before it is sent.
ALTER TABLE outbox ADD COLUMN blobs TEXT;
