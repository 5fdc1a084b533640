-- 5: encrypted files. One row per upload; its chunks live in the blob store. `received` counts
-- the chunks stored, always the first ones; `envelope_id` is the message that carries it, once
-- sent (the blob is swept when that envelope is gone).
CREATE TABLE blobs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    thread_id TEXT NOT NULL REFERENCES threads(id),
    owner TEXT NOT NULL REFERENCES users(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    size INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL,
    received INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    completed_at INTEGER,
    envelope_id TEXT
);
CREATE INDEX blobs_tenant ON blobs(tenant_id);
CREATE INDEX blobs_envelope ON blobs(envelope_id);
CREATE INDEX blobs_created ON blobs(created_at);
