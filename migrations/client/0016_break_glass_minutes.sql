-- How long a break-glass opening of a chart lasts, in minutes (an admin sets it; 30 unless changed).
ALTER TABLE clinic ADD COLUMN break_glass_minutes INTEGER NOT NULL DEFAULT 30;
