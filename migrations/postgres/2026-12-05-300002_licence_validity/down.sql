ALTER TABLE licences DROP COLUMN valid_until;
ALTER TABLE licences DROP COLUMN valid_from;
