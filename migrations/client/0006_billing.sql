-- Billing: the fee schedule and its tax rates, services recorded on visits, invoices, payments
-- and refunds, credit notes. Append-only: once landed, this file is never edited.
--
-- Ledger amounts are whole minor units (cents) of the record's currency, so sums in SQL are
-- exact; prices and invoice lines keep decimal text.

-- How amounts and dates are written ('' until chosen: from the currency), the tax number printed
-- on invoices, and a footer for them (payment terms, bank details).
ALTER TABLE clinic ADD COLUMN locale TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN invoice_footer TEXT NOT NULL DEFAULT '';

CREATE TABLE tax_rate (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    percent    TEXT NOT NULL,   -- decimal text, 0 to 100
    inclusive  INTEGER NOT NULL CHECK (inclusive IN (0, 1)),  -- prices already include it
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE fee_item (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('service', 'item')),
    price       TEXT NOT NULL,  -- decimal text in the clinic's currency
    tax_rate_id TEXT,           -- NULL: not taxed
    archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE visit_service (
    id           TEXT PRIMARY KEY,
    encounter_id TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    fee_code     TEXT NOT NULL,
    quantity     TEXT NOT NULL,
    added_by     TEXT NOT NULL,
    removed      INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX visit_service_encounter ON visit_service (encounter_id);
CREATE INDEX visit_service_patient ON visit_service (patient_id);

CREATE TABLE invoice (
    id           TEXT PRIMARY KEY,
    number       TEXT UNIQUE,   -- given at issue: K7-2026-000045
    patient_id   TEXT NOT NULL,
    encounter_id TEXT,
    device_id    TEXT NOT NULL, -- the device that made it and alone edits the draft
    status       TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'void', 'deleted')),
    currency     TEXT NOT NULL,
    lines        TEXT NOT NULL, -- JSON array of lines
    discount     TEXT NOT NULL, -- JSON invoice-level discount
    note         TEXT,
    total_minor  INTEGER,       -- frozen at issue
    issued_at    TEXT,
    issued_by    TEXT,
    voided_at    TEXT,
    voided_by    TEXT,
    void_reason  TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX invoice_patient ON invoice (patient_id, created_at);
CREATE INDEX invoice_encounter ON invoice (encounter_id) WHERE encounter_id IS NOT NULL;
CREATE INDEX invoice_issued ON invoice (issued_at) WHERE issued_at IS NOT NULL;
CREATE INDEX invoice_voided ON invoice (voided_at) WHERE voided_at IS NOT NULL;

CREATE TABLE payment (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,  -- receipt number: K7-R-2026-000012
    patient_id      TEXT NOT NULL,
    invoice_id      TEXT,
    kind            TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    method          TEXT NOT NULL CHECK (method IN
                        ('cash', 'card', 'bank_transfer', 'insurance', 'patient_credit', 'other')),
    currency        TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    to_credit_minor INTEGER NOT NULL DEFAULT 0 CHECK (to_credit_minor >= 0),
    tendered_minor  INTEGER,
    change_minor    INTEGER NOT NULL DEFAULT 0 CHECK (change_minor >= 0),
    reference       TEXT,
    note            TEXT,
    taken_by        TEXT NOT NULL,
    taken_at        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX payment_invoice ON payment (invoice_id) WHERE invoice_id IS NOT NULL;
CREATE INDEX payment_patient ON payment (patient_id);
CREATE INDEX payment_taken ON payment (taken_at);

CREATE TABLE credit_note (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,  -- K7-CN-2026-000003
    invoice_id   TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    reason       TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    issued_by    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX credit_note_invoice ON credit_note (invoice_id);
CREATE INDEX credit_note_patient ON credit_note (patient_id);
CREATE INDEX credit_note_issued ON credit_note (issued_at);
