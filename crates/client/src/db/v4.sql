-- v4: care tools. Check-in plans keep every revision (a slot exists when the revision in force
-- at that moment has it), answers one row per slot (the latest answer wins), and events the
-- caseworker records on a youth's timeline one row per event (the latest revision wins).
CREATE TABLE checkin_plans (
    envelope_id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    youth TEXT NOT NULL,
    author TEXT NOT NULL,
    revision INTEGER NOT NULL,
    made_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX checkin_plans_plan ON checkin_plans(plan_id, made_at);
CREATE INDEX checkin_plans_youth ON checkin_plans(youth);
CREATE TABLE checkin_answers (
    plan_id TEXT NOT NULL,
    slot_at INTEGER NOT NULL,
    envelope_id TEXT NOT NULL,
    youth TEXT NOT NULL,
    score INTEGER NOT NULL,
    tags TEXT NOT NULL,
    note TEXT,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (plan_id, slot_at)
);
CREATE INDEX checkin_answers_youth ON checkin_answers(youth, slot_at);
CREATE TABLE care_events (
    id TEXT PRIMARY KEY,
    envelope_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    youth TEXT NOT NULL,
    author TEXT NOT NULL,
    revision INTEGER NOT NULL,
    at INTEGER NOT NULL,
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    shared INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX care_events_youth ON care_events(youth, at);
-- A caseworker's thresholds for one youth's alerts; defaults when absent.
CREATE TABLE checkin_rules (
    youth TEXT PRIMARY KEY,
    drop_tenths INTEGER NOT NULL,
    low_streak INTEGER NOT NULL,
    missed_streak INTEGER NOT NULL
);
-- A note for some members only (a caseworker's event sealed to staff) names them here; the
-- server is told so that the others' inboxes never hold it. NULL: every member.
ALTER TABLE outbox ADD COLUMN recipients TEXT;
