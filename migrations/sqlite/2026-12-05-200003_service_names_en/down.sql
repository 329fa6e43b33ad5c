ALTER TABLE services DROP COLUMN steps_en;
ALTER TABLE services DROP COLUMN result_name_en;
ALTER TABLE services DROP COLUMN name_en;
