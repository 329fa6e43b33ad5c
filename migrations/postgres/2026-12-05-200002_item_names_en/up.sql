-- An item's English name, shown to readers in English. A database from before gets the
-- shipped catalog's names at start-up; '' (never left so by an import) shows the Chinese name.
ALTER TABLE items ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
