ALTER TABLE services DROP COLUMN extension_days;
