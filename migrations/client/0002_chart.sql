-- The patient chart: patients, their search index, visits with notes, clinical events and note
-- templates. Append-only: once landed, this file is never edited.

-- The units the clinic types and reads vital signs in.
ALTER TABLE clinic ADD COLUMN units TEXT NOT NULL DEFAULT 'metric';

CREATE TABLE patient (
    id                   TEXT PRIMARY KEY,
    mrn                  TEXT NOT NULL UNIQUE,
    given_name           TEXT NOT NULL,
    family_name          TEXT NOT NULL,
    preferred_name       TEXT,
    birth_date           TEXT NOT NULL,
    birth_date_estimated INTEGER NOT NULL DEFAULT 0 CHECK (birth_date_estimated IN (0, 1)),
    sex                  TEXT NOT NULL,
    gender_identity      TEXT,
    phones               TEXT NOT NULL,  -- JSON array of {kind, number}
    email                TEXT,
    address              TEXT,           -- JSON object
    emergency_contact    TEXT,           -- JSON object
    language             TEXT,
    front_desk_note      TEXT,
    national_id          TEXT,
    insurance            TEXT,           -- JSON object
    merged_into          TEXT,           -- the surviving patient, once merged
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
) STRICT;
CREATE INDEX patient_birth_date ON patient (birth_date);

-- The search index: derived from `patient` in the same transaction as every change to it, never
-- synced (each desktop derives its own).
CREATE TABLE patient_search (
    rowid      INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL UNIQUE,
    given      TEXT NOT NULL,  -- folded words
    family     TEXT NOT NULL,
    preferred  TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    phonetic   TEXT NOT NULL   -- sorted phonetic keys of all name words
) STRICT;
CREATE INDEX patient_search_phonetic ON patient_search (phonetic);
CREATE INDEX patient_search_birth_date ON patient_search (birth_date);

-- Folded name words (`names`) and their one-deletion variants (`keys`) for typo tolerance.
CREATE VIRTUAL TABLE patient_fts USING fts5(
    names, keys,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3'
);

-- Every run of four or more digits that ends a patient's phone number (its digit suffixes), so
-- digits typed from any point of the number are an index range: "612 34" and "345 678" both
-- find +34 612 345 678.
CREATE TABLE patient_phone (
    fragment     TEXT NOT NULL,
    search_rowid INTEGER NOT NULL,
    PRIMARY KEY (fragment, search_rowid)
) STRICT, WITHOUT ROWID;

CREATE TABLE encounter (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL,
    provider_id   TEXT NOT NULL,
    starts_at     TEXT NOT NULL,
    reason        TEXT,
    subjective    TEXT NOT NULL DEFAULT '',
    objective     TEXT NOT NULL DEFAULT '',
    assessment    TEXT NOT NULL DEFAULT '',
    plan          TEXT NOT NULL DEFAULT '',
    template_id   TEXT,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'signed', 'entered_in_error')),
    signed_at     TEXT,
    signed_by     TEXT,
    content_hash  TEXT,
    error_reason  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX encounter_patient ON encounter (patient_id, starts_at);

-- Clinical facts, appended and never edited (only re-filed to another patient by a merge).
CREATE TABLE clinical_event (
    id           TEXT PRIMARY KEY,
    patient_id   TEXT NOT NULL,
    category     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    encounter_id TEXT,
    occurred_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    data         TEXT NOT NULL,  -- JSON, tagged with the kind
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX clinical_event_patient ON clinical_event (patient_id, category, occurred_at);
CREATE INDEX clinical_event_subject ON clinical_event (subject_id);

CREATE TABLE note_template (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    reason      TEXT,
    subjective  TEXT NOT NULL DEFAULT '',
    objective   TEXT NOT NULL DEFAULT '',
    assessment  TEXT NOT NULL DEFAULT '',
    plan        TEXT NOT NULL DEFAULT '',
    archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- Finding the audit entry of a record's merge (to undo it) without reading the whole log.
CREATE INDEX audit_log_record ON audit_log (record_id, action);
