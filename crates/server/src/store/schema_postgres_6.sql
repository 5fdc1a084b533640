-- 6: a municipality's own rules for files, set by its administrator. A NULL column is the
-- server's default; `types` is a JSON list of rules such as "application/pdf" or "image/*".
CREATE TABLE file_policies (
    tenant_id TEXT COLLATE "C" PRIMARY KEY REFERENCES tenants(id),
    max_file_bytes BIGINT,
    quota_bytes BIGINT,
    types TEXT
);
