-- A service's English name, result and steps (a JSON array, as steps is), shown to readers in
-- English; search_text gains the English names in lower case. A database from before gets them
-- from the shipped catalog at start-up; '' and '[]' show the Chinese.
ALTER TABLE services ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN result_name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN steps_en TEXT NOT NULL DEFAULT '[]';
