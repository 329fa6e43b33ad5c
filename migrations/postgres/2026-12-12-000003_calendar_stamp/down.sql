DROP TRIGGER calendar_years_restamp ON calendar_years;
DROP TRIGGER calendar_days_restamp ON calendar_days;
DROP FUNCTION calendar_restamp();
DROP TABLE calendar_stamp;
