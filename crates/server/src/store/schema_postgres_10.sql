-- 10: a unit's letterhead (address, phone, e-mail, opening hours) for printed letters, as
-- JSON; NULL when it has none.
ALTER TABLE units ADD COLUMN letterhead TEXT;
