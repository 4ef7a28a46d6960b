-- Clinic keys that change, pairing codes that reveal nothing once used or expired, and desktops
-- that may manage the others.

-- The epoch of the key the server takes pushes under (`key_id`), and the desktop that made it
-- (which needs no grant of it).
ALTER TABLE clinic ADD COLUMN key_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clinic ADD COLUMN key_made_by UUID;

-- Managers may pair desktops, revoke them, change the clinic key and make other managers: the
-- desktop that enrolled the clinic, and those a manager allows. Existing clinics: the first.
ALTER TABLE device ADD COLUMN manager BOOLEAN NOT NULL DEFAULT false;
UPDATE device SET manager = true WHERE id IN (
    SELECT DISTINCT ON (clinic_id) id FROM device ORDER BY clinic_id, registered_at, id);

-- The clinic keys a pairing leaves, wrapped under a secret that only the code carries; deleted
-- once the desktop that used the pairing has said hello, and with the pairing when it expires.
-- Codes made before carried the key itself: they are withdrawn.
ALTER TABLE pairing ADD COLUMN wrapped_keys TEXT;
DELETE FROM pairing;

-- A clinic key wrapped for one desktop's public key, for it to fetch.
CREATE TABLE key_grant (
    clinic_id  UUID NOT NULL REFERENCES clinic (id),
    device_id  UUID NOT NULL REFERENCES device (id),
    epoch      INTEGER NOT NULL,
    key_id     TEXT NOT NULL,
    wrapped    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, epoch)
);
CREATE INDEX key_grant_clinic ON key_grant (clinic_id, epoch);
CREATE INDEX pairing_created_by ON pairing (created_by);
