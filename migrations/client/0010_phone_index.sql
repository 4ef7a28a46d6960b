-- Re-indexing a patient deletes their phone fragments by `search_rowid`, which the primary key
-- (fragment first) cannot find without reading the whole table: every demographics edit (and
-- every synced one) scanned every phone of the clinic. Append-only: never edited once landed.
CREATE INDEX patient_phone_search_rowid ON patient_phone (search_rowid);
