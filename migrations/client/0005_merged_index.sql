-- Finding the records merged into a patient (to check a moved prescription's or note's hash)
-- scanned every patient. Append-only: once landed, this file is never edited.
CREATE INDEX patient_merged_into ON patient (merged_into) WHERE merged_into IS NOT NULL;
