-- 7: units of a municipality. Staff belong to at most one; a conversation belongs to the unit
-- of the caseworker who started it. `name_key` is the name in lower case, unique per tenant.
CREATE TABLE units (
    id TEXT COLLATE "C" PRIMARY KEY,
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, name_key)
);
CREATE TABLE unit_staff (
    user_id TEXT COLLATE "C" PRIMARY KEY REFERENCES users(id),
    unit_id TEXT COLLATE "C" NOT NULL REFERENCES units(id)
);
ALTER TABLE threads ADD COLUMN unit_id TEXT COLLATE "C" REFERENCES units(id);
