-- 2: the time of each device's last key-signed login, so a captured one cannot be replayed.
ALTER TABLE devices ADD COLUMN last_login_ms BIGINT NOT NULL DEFAULT 0;
