-- A guide material's English name, shown to readers in English. A database from before gets
-- the shipped catalog's names at start-up; '' shows the Chinese name.
ALTER TABLE service_materials ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
