-- The SHA-256 (hex) of each published version's text. A version's parsed copy is cached by it
-- in the process, so that a queue page, a transition or a submission reads 64 characters, not
-- the 10 KB text (on PostgreSQL compressed out of line, and decompressed on each read). Empty
-- for a version written before this column: its text is read and the digest filled in at start.
ALTER TABLE workflow_definitions ADD COLUMN digest TEXT NOT NULL DEFAULT '';
