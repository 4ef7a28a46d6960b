-- Sync: what each edit replaced (by change id), the conflicts the merge finds, and this
-- desktop's place in the server's order. Append-only like every migration.

-- For an update: field name -> the change ids of the values it replaced (JSON). Changes written
-- before this migration name only the clock they replaced, in `base`.
ALTER TABLE change_log ADD COLUMN replaces TEXT NOT NULL DEFAULT '{}';

-- Fields whose concurrent edits have not been reconciled. Derived from the change log by the
-- merge (the same rows on every desktop); rewritten whenever a record's changes arrive, and a
-- field's row goes when an edit replaces all its heads.
CREATE TABLE sync_conflict (
    id        TEXT PRIMARY KEY,
    entity    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    -- JSON: [{change_id, hlc, value}], the shown value first.
    heads     TEXT NOT NULL,
    -- On the safety list: the record is flagged until a clinician picks the value.
    safety    INTEGER NOT NULL CHECK (safety IN (0, 1)),
    UNIQUE (entity, record_id, field)
) STRICT;
CREATE INDEX sync_conflict_record ON sync_conflict (record_id);

-- The changes pulled from the server are in change_log with their own device ids; this device's
-- outbox is its own changes above `sync.acked_through` in meta. The server cursor, the server's
-- address, this device's token and the clinic key are `sync.*` rows of meta: local to this
-- desktop, inside the encrypted database.
