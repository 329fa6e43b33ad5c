-- A co-reviewing department's sign-off is its opinion (审查意见): 同意 or 不同意, with its text.
-- The lead department decides once every opinion is in; the opinions stay with the case.
ALTER TABLE application_sign_offs ADD COLUMN agrees BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE application_sign_offs ADD COLUMN opinion TEXT;
