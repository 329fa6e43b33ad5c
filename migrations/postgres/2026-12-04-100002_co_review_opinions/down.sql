ALTER TABLE application_sign_offs DROP COLUMN opinion;
ALTER TABLE application_sign_offs DROP COLUMN agrees;
