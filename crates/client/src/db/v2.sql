-- v2: the youth a parent's invitation is for, so a caseworker's desk can group the parent with
-- the youth before any family conversation links them.
ALTER TABLE invitations ADD COLUMN youth TEXT;
