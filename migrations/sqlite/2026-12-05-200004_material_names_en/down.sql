ALTER TABLE service_materials DROP COLUMN name_en;
