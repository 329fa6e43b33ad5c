-- The statutory extension of each service, in working days (行政许可法 Art 42: 10; joint or
-- centralised handling under Art 26: 15), from the catalog. The engine never adds more.
ALTER TABLE services ADD COLUMN extension_days INTEGER NOT NULL DEFAULT 10;
