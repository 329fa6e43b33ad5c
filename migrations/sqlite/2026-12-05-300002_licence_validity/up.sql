-- A licence's validity period, fixed when it is issued: from the application's answers or the
-- form's rule (src/domain/documents.rs). NULL for a licence without a fixed period, and for
-- the licences issued before this migration, which show none.
ALTER TABLE licences ADD COLUMN valid_from DATE;
ALTER TABLE licences ADD COLUMN valid_until DATE;
