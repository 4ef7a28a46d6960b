-- Break-glass: a person whose roles do not let them read charts opened one patient's chart in
-- an emergency, after giving a reason. Each opening lasts until `until`; the audit log holds
-- the flagged entry, and admins review them. Kept on the desktop where it happened, like the
-- audit log.
CREATE TABLE break_glass (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at         TEXT NOT NULL,   -- RFC 3339
    until      TEXT NOT NULL    -- RFC 3339
) STRICT;
CREATE INDEX break_glass_user_patient ON break_glass (user_id, patient_id, until);
CREATE INDEX break_glass_at ON break_glass (at);
