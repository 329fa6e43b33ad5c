ALTER TABLE departments DROP COLUMN name_en;
