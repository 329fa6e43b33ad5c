-- Which calendar the database holds: a token each node's in-memory calendar is keyed by (a
-- deadline's every computation needs the calendar; reading the token is one small row, the
-- calendar itself every exception day and year). Any change to the calendar's tables draws a
-- new token, by trigger, in the same transaction, whoever makes it (one row, id 1).
CREATE TABLE calendar_stamp (
    id BIGINT PRIMARY KEY NOT NULL,
    token TEXT NOT NULL
);
INSERT INTO calendar_stamp (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text));

CREATE FUNCTION calendar_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE calendar_stamp SET token = md5(random()::text || clock_timestamp()::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER calendar_days_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_days
    FOR EACH STATEMENT EXECUTE FUNCTION calendar_restamp();
CREATE TRIGGER calendar_years_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_years
    FOR EACH STATEMENT EXECUTE FUNCTION calendar_restamp();
