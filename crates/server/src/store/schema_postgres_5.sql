-- 5: encrypted files. One row per upload; its chunks live in the blob store. `received` counts
-- the chunks stored, always the first ones; `envelope_id` is the message that carries it, once
-- sent (the blob is swept when that envelope is gone).
CREATE TABLE blobs (
    id TEXT COLLATE "C" PRIMARY KEY,
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    thread_id TEXT COLLATE "C" NOT NULL REFERENCES threads(id),
    owner TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    device_id TEXT COLLATE "C" NOT NULL REFERENCES devices(id),
    size BIGINT NOT NULL,
    chunk_size BIGINT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    envelope_id TEXT COLLATE "C"
);
CREATE INDEX blobs_tenant ON blobs(tenant_id);
CREATE INDEX blobs_envelope ON blobs(envelope_id);
CREATE INDEX blobs_created ON blobs(created_at);
