-- Foundation: the database's identity, the clinic, devices, users, the change log and the
-- audit chain. Append-only: once landed, this file is never edited; later changes are new files.

-- Facts about this database and this device: database_id, device_id, device_code, hlc.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE clinic (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    timezone   TEXT NOT NULL,
    currency   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE device (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE user (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    roles          TEXT NOT NULL,
    licence_number TEXT,
    disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    locked         INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

-- Failed sign-ins on this device since the last good one. Local state: not synced, because a
-- counter edited on two desktops at once has no sensible merge; the lock it leads to is a
-- field of `user` and does sync.
CREATE TABLE sign_in_failure (
    user_id        TEXT PRIMARY KEY REFERENCES user (id),
    failures       INTEGER NOT NULL,
    last_failed_at TEXT NOT NULL
) STRICT;

-- The outbox and history of every change to a record. `device_seq` is gap-free per device
-- because it is assigned inside the writing transaction.
CREATE TABLE change_log (
    change_id   TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    device_seq  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    user_id     TEXT,
    entity      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('create', 'update')),
    fields      TEXT NOT NULL,
    base        TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (device_id, device_seq)
) STRICT;
CREATE INDEX change_log_record ON change_log (entity, record_id);

-- The clock of each field's current value, so an edit can carry the clock of what it replaced.
CREATE TABLE field_version (
    entity    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    device_id TEXT NOT NULL,
    change_id TEXT NOT NULL,
    PRIMARY KEY (entity, record_id, field)
) STRICT, WITHOUT ROWID;

-- Append-only audit log. Each row's `mac` is HMAC-SHA256 over its contents and the previous
-- row's mac, keyed by a key derived from the database key.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    at        TEXT NOT NULL,
    device_id TEXT NOT NULL,
    user_id   TEXT,
    action    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    entity    TEXT,
    record_id TEXT,
    changes   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_mac  BLOB NOT NULL,
    mac       BLOB NOT NULL
) STRICT;

-- The chain's head, kept apart from the rows so that cutting off the tail is detected.
-- `head_mac` covers (seq, mac).
CREATE TABLE audit_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    seq      INTEGER NOT NULL,
    mac      BLOB NOT NULL,
    head_mac BLOB NOT NULL
) STRICT;

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER change_log_append_only_update BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
CREATE TRIGGER change_log_append_only_delete BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
