ALTER TABLE applications DROP COLUMN state_entered_on;
