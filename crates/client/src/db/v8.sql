-- v8: records into the case file. `records` holds what this caseworker's device made: the
-- PDF/A and its metadata (kept until delivered, and after, as her copy), and where delivery
-- stands. `record_marks` holds, on every member's device, which messages a record covered,
-- for the "Journaliseret" mark.
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    case_number TEXT NOT NULL,
    title TEXT NOT NULL,
    document_date TEXT NOT NULL,
    kle TEXT,
    recorded_at INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    pdf BLOB NOT NULL,
    json TEXT NOT NULL,
    xml TEXT NOT NULL,
    -- 'pending', 'delivered', 'failed'.
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- No try before this (ms): failed deliveries back off.
    next_try INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    delivered_at INTEGER,
    delivered_to TEXT,
    -- Whether the server has written the audit line.
    audited INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE record_marks (
    message_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    case_number TEXT NOT NULL,
    title TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (message_id, record_id)
);
