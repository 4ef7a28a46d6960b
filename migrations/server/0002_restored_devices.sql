-- A desktop restored from a backup comes back as a new device (its old sequence numbers may
-- already be taken by changes the backup does not hold). The new device names the old one as
-- its predecessor, may push the old one's changes the server lacks, and the old token stops.
ALTER TABLE device ADD COLUMN predecessor UUID REFERENCES device (id);
ALTER TABLE device ADD COLUMN replaced_at TIMESTAMPTZ;
