-- Automatic backups of this desktop: the folders they go to and every attempt with its result.
-- The folders are this computer's (a USB drive, a second disk, a network share), so none of
-- this syncs. Append-only like every migration.

CREATE TABLE backup_destination (
    id         INTEGER PRIMARY KEY,
    folder     TEXT NOT NULL,         -- an absolute path on this computer
    added_at   TEXT NOT NULL,         -- RFC 3339
    removed_at TEXT                   -- set when an admin stops using it; its history stays
) STRICT;
CREATE UNIQUE INDEX backup_destination_folder ON backup_destination (folder)
    WHERE removed_at IS NULL;

-- One row per attempt, written when it ends (an attempt killed half-way leaves no row, and
-- nothing at a backup's name either). Only `good` rows are backups: written, read back and
-- checked at that destination.
CREATE TABLE backup_run (
    id             INTEGER PRIMARY KEY,
    destination_id INTEGER NOT NULL REFERENCES backup_destination (id),
    started_at     TEXT NOT NULL,
    finished_at    TEXT NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('good', 'failed')),
    file           TEXT,                  -- the file's name in the folder (good runs)
    bytes          INTEGER,
    counts         TEXT,                  -- JSON: patients, visits, invoices... read back
    audit_entries  INTEGER,
    error          TEXT,                  -- what went wrong, in words (failed runs)
    removed_at     TEXT                   -- when retention removed the file
) STRICT;
CREATE INDEX backup_run_destination ON backup_run (destination_id, id);
