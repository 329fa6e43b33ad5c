DROP TRIGGER calendar_years_deleted;
DROP TRIGGER calendar_years_updated;
DROP TRIGGER calendar_years_inserted;
DROP TRIGGER calendar_days_deleted;
DROP TRIGGER calendar_days_updated;
DROP TRIGGER calendar_days_inserted;
DROP TABLE calendar_stamp;
