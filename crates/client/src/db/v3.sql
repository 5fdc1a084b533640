-- v3: device trust. Each pinned device records its chain, who vouched for it (NULL for a
-- chain's first device), the link's signature (to check a device that arrived before its
-- signer) and how this device holds it: trusted, pending, refused, revoked or retired.
ALTER TABLE devices ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN link_signer TEXT;
ALTER TABLE devices ADD COLUMN link_at INTEGER;
ALTER TABLE devices ADD COLUMN link_signature BLOB;
ALTER TABLE devices ADD COLUMN state TEXT NOT NULL DEFAULT 'trusted';
ALTER TABLE devices ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN revoked_at INTEGER;
-- A person's name and role as first pinned (the invitation's, or first sight) stay; what the
-- server says later is kept here once, so its notice is made once.
ALTER TABLE users ADD COLUMN announced_name TEXT;
ALTER TABLE users ADD COLUMN announced_role TEXT;
-- 1 after an administrator's reset of the person's keys, until the codes are compared.
ALTER TABLE users ADD COLUMN reset_unverified INTEGER NOT NULL DEFAULT 0;
-- Notices about this account itself (a device added or removed), not about one conversation.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    body TEXT NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0
);
-- Each person's current key chain as this device holds it, and its first device when known
-- (NULL while known only through links). It moves only when a newer chain's first device
-- arrives, so devices that wait or were refused cannot shift it.
CREATE TABLE chains (
    user_id TEXT PRIMARY KEY,
    chain INTEGER NOT NULL,
    root TEXT
);
INSERT INTO chains (user_id, chain, root) SELECT user_id, 0, MIN(id) FROM devices GROUP BY user_id;
-- The key chain an invitation's proof vouched for (its first device's).
ALTER TABLE invitations ADD COLUMN joined_chain INTEGER;
