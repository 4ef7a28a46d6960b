-- Prescriptions and the clinic's additions to the drug catalog. Append-only: once landed, this
-- file is never edited.

-- Letterhead and paper for printed documents.
ALTER TABLE clinic ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN registration TEXT NOT NULL DEFAULT '';  -- registration or tax number
ALTER TABLE clinic ADD COLUMN paper TEXT NOT NULL DEFAULT 'a4' CHECK (paper IN ('a4', 'letter', 'a5'));
ALTER TABLE clinic ADD COLUMN logo TEXT;  -- base64 of a PNG or JPEG, at most 512 KiB decoded

CREATE TABLE prescription (
    id            TEXT PRIMARY KEY,
    number        TEXT UNIQUE,           -- given at signing: K7-RX-000045
    patient_id    TEXT NOT NULL,
    prescriber_id TEXT NOT NULL,
    encounter_id  TEXT,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'signed', 'cancelled')),
    items         TEXT NOT NULL,         -- JSON array of items
    overrides     TEXT NOT NULL,         -- JSON array of warnings signed over, with reasons
    signed_at     TEXT,
    cancelled_at  TEXT,
    cancel_reason TEXT,
    renewed_from  TEXT,
    content_hash  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX prescription_patient ON prescription (patient_id, created_at);

CREATE TABLE clinic_drug (
    id         TEXT PRIMARY KEY,
    generic    TEXT NOT NULL,
    class      TEXT NOT NULL,
    forms      TEXT NOT NULL,  -- JSON array
    strengths  TEXT NOT NULL,  -- JSON array
    routes     TEXT NOT NULL,  -- JSON array
    max_daily  TEXT,           -- `4000 mg`
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE drug_brand (
    id         TEXT PRIMARY KEY,
    brand      TEXT NOT NULL,
    drug_code  TEXT NOT NULL,  -- a catalog code or clinic:<id>
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
