-- How many minutes a desktop may sit untouched before it locks and asks for a password again.
ALTER TABLE clinic ADD COLUMN idle_lock_minutes INTEGER NOT NULL DEFAULT 10;
