-- Which calendar the database holds: a token each node's in-memory calendar is keyed by (a
-- deadline's every computation needs the calendar; reading the token is one small row, the
-- calendar itself every exception day and year). Any change to the calendar's tables draws a
-- new token, by trigger, whoever makes it (one row, id 1).
CREATE TABLE calendar_stamp (
    id BIGINT PRIMARY KEY NOT NULL,
    token TEXT NOT NULL
);
INSERT INTO calendar_stamp (id, token) VALUES (1, lower(hex(randomblob(16))));

CREATE TRIGGER calendar_days_inserted AFTER INSERT ON calendar_days
BEGIN UPDATE calendar_stamp SET token = lower(hex(randomblob(16))); END;
CREATE TRIGGER calendar_days_updated AFTER UPDATE ON calendar_days
BEGIN UPDATE calendar_stamp SET token = lower(hex(randomblob(16))); END;
CREATE TRIGGER calendar_days_deleted AFTER DELETE ON calendar_days
BEGIN UPDATE calendar_stamp SET token = lower(hex(randomblob(16))); END;
CREATE TRIGGER calendar_years_inserted AFTER INSERT ON calendar_years
BEGIN UPDATE calendar_stamp SET token = lower(hex(randomblob(16))); END;
CREATE TRIGGER calendar_years_updated AFTER UPDATE ON calendar_years
BEGIN UPDATE calendar_stamp SET token = lower(hex(randomblob(16))); END;
CREATE TRIGGER calendar_years_deleted AFTER DELETE ON calendar_years
BEGIN UPDATE calendar_stamp SET token = lower(hex(randomblob(16))); END;
