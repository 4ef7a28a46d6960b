-- Clinic keys that change: every key this desktop holds, by epoch, so history sealed under an
-- older key still opens after a rotation. Inside the encrypted database, like every secret of
-- this desktop; never synced.
-- Two keys may share an epoch (one this desktop made for a rotation the server did not take,
-- and the one another desktop made instead); the envelope's key id says which opens it.
CREATE TABLE sync_key (
    id       INTEGER PRIMARY KEY,
    epoch    INTEGER NOT NULL,
    scheme   TEXT NOT NULL CHECK (scheme IN ('v1', 'v2')),  -- see tend_sync::KeyScheme
    secret   TEXT NOT NULL UNIQUE,                          -- the key, hex
    added_at TEXT NOT NULL
) STRICT;
-- The one key a desktop held before: epoch 0, sealing as it always did.
INSERT INTO sync_key (epoch, scheme, secret, added_at)
    SELECT 0, 'v1', value, '' FROM meta WHERE key = 'sync.clinic_key';
DELETE FROM meta WHERE key = 'sync.clinic_key';

-- Each desktop's X25519 public key (base64url), in its device record, which syncs sealed under
-- the clinic key: a desktop that makes a new clinic key wraps it for these keys, and the server
-- cannot substitute its own.
ALTER TABLE device ADD COLUMN public_key TEXT;
