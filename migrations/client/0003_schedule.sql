-- Scheduling: rooms, appointment types, providers' weeks, exceptions, appointments, recurring
-- series and the waitlist. Append-only: once landed, this file is never edited.

-- The reminder message; {patient}, {provider}, {date}, {time}, {clinic} and {type} are filled in.
ALTER TABLE clinic ADD COLUMN reminder_template TEXT NOT NULL DEFAULT
    'Hello {patient}, this is {clinic}: a reminder of your appointment with {provider} on {date} at {time}. If you cannot come, please call us.';

CREATE TABLE room (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hours      TEXT NOT NULL,  -- JSON: the weekly hours and breaks
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE appointment_type (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    minutes    INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    colour     TEXT NOT NULL,
    needs_room INTEGER NOT NULL DEFAULT 0 CHECK (needs_room IN (0, 1)),
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- A provider's week; the id is the provider's user id.
CREATE TABLE provider_hours (
    id         TEXT PRIMARY KEY,
    hours      TEXT NOT NULL,  -- JSON: the weekly hours and breaks
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- A day off or extra hours for one provider or room, or (no resource) the whole clinic.
CREATE TABLE schedule_exception (
    id          TEXT PRIMARY KEY,
    resource_id TEXT,
    date        TEXT NOT NULL,
    kind        TEXT NOT NULL,  -- JSON: {"kind":"day_off"} or {"kind":"extra_hours","start":..,"end":..}
    note        TEXT,
    removed     INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX schedule_exception_date ON schedule_exception (date);

CREATE TABLE appointment (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL,
    provider_id   TEXT NOT NULL,
    room_id       TEXT,
    type_id       TEXT NOT NULL,
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    status        TEXT NOT NULL,
    series_id     TEXT,
    series_index  INTEGER,
    note          TEXT,
    cancel_reason TEXT,
    overrides     TEXT NOT NULL DEFAULT '[]',  -- JSON list of conflict kinds booked over
    checked_in_at TEXT,
    started_at    TEXT,
    completed_at  TEXT,
    booked_by     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX appointment_starts ON appointment (starts_at);
CREATE INDEX appointment_provider ON appointment (provider_id, starts_at);
CREATE INDEX appointment_room ON appointment (room_id, starts_at);
CREATE INDEX appointment_patient ON appointment (patient_id, starts_at);
CREATE INDEX appointment_in_series ON appointment (series_id, series_index);

CREATE TABLE appointment_series (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL,
    provider_id       TEXT NOT NULL,
    room_id           TEXT,
    type_id           TEXT NOT NULL,
    rule              TEXT NOT NULL,  -- JSON recurrence rule
    first_start       TEXT NOT NULL,  -- local to the clinic: YYYY-MM-DDTHH:MM:SS
    minutes           INTEGER NOT NULL,
    note              TEXT,
    generated_through TEXT NOT NULL,
    ended             INTEGER NOT NULL DEFAULT 0 CHECK (ended IN (0, 1)),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;
CREATE INDEX appointment_series_patient ON appointment_series (patient_id);

CREATE TABLE waitlist_entry (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL,
    provider_id    TEXT,
    type_id        TEXT NOT NULL,
    preference     TEXT NOT NULL,  -- JSON
    note           TEXT,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'booked', 'removed')),
    appointment_id TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX waitlist_entry_status ON waitlist_entry (status, created_at);
CREATE INDEX waitlist_entry_patient ON waitlist_entry (patient_id);
