-- Covering indexes for the unpaid list and every invoice's balance, measured on a year of
-- billing (31,000 invoices): without them the list read every invoice row with its lines, and
-- every payment and credit note row. Append-only: once landed, this file is never edited.

CREATE INDEX invoice_open ON invoice (issued_at, id, patient_id, total_minor, number, currency)
    WHERE status = 'issued';
CREATE INDEX payment_ledger ON payment (invoice_id, kind, amount_minor)
    WHERE invoice_id IS NOT NULL;
CREATE INDEX credit_note_ledger ON credit_note (invoice_id, amount_minor);
