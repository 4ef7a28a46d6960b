-- Sync that heals itself: what a pull could not open, where each device's numbers have got to,
-- and when another desktop's clock was found far ahead. Append-only like every migration.

-- Envelopes pulled from the server that did not open here (altered on the way or at the server,
-- sealed with a key this desktop lacks, or a change this version cannot read). The pull moves
-- on past them; they are kept, tried again at every round, and shown to admins with the device
-- they came from.
CREATE TABLE sync_quarantine (
    cursor     INTEGER PRIMARY KEY,  -- the server's cursor of the change
    change_id  TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    envelope   TEXT NOT NULL,        -- as the server sent it (JSON), still sealed
    reason     TEXT NOT NULL,        -- why it did not open, in words
    at         TEXT NOT NULL         -- when it was kept (RFC 3339)
) STRICT;
CREATE INDEX sync_quarantine_device ON sync_quarantine (device_id, device_seq);

-- Each device's sequence numbers seen here: `through` is the highest with none missing below it
-- (in the change log or the quarantine), `max_seen` the highest seen. A hole (`max_seen` above
-- `through`) means the server has withheld a change; `stuck_rounds` counts the sync rounds it
-- has stayed open.
CREATE TABLE sync_sequence (
    device_id    TEXT PRIMARY KEY,
    through      INTEGER NOT NULL,
    max_seen     INTEGER NOT NULL,
    stuck_rounds INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO sync_sequence (device_id, through, max_seen)
    SELECT device_id,
           CASE WHEN COUNT(*) = MAX(device_seq) THEN MAX(device_seq) ELSE 0 END,
           MAX(device_seq)
    FROM change_log GROUP BY device_id;
