DROP TABLE ratings;
ALTER TABLE applications DROP COLUMN kind;
