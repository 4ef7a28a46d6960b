-- Strengths a clinic adds to a drug (a shipped one or its own), so a prescription can name a
-- strength the catalog does not list: a prescribed strength must be one the drug is known in.
-- Append-only: never edited once landed.
CREATE TABLE drug_strength (
    id         TEXT PRIMARY KEY,
    drug_code  TEXT NOT NULL,  -- a catalog code or clinic:<id>
    strength   TEXT NOT NULL,  -- in safe notation: `7 mg`, `250 mg/5 mL`
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
