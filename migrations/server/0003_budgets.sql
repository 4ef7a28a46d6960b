-- What a clinic stores, counted, so a pull reads no more than its byte budget from the table and
-- a clinic cannot fill the server's disk (a per-clinic quota).
ALTER TABLE change ADD COLUMN size INTEGER;
UPDATE change SET size = octet_length(envelope);
ALTER TABLE change ALTER COLUMN size SET NOT NULL;

ALTER TABLE clinic ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE clinic SET stored_bytes = COALESCE(
    (SELECT sum(size) FROM change WHERE change.clinic_id = clinic.id), 0);

-- Pairings are purged once used or expired; a clinic holds only a few open ones at a time.
CREATE INDEX pairing_clinic ON pairing (clinic_id, expires_at);

-- Which device used a pairing, so a desktop whose answer was lost can ask again and be answered
-- (with a new token) instead of being refused for good.
ALTER TABLE pairing ADD COLUMN used_by UUID;
