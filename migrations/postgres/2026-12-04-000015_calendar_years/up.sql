-- Each year of the working-day calendar and whether it is the official one: "provisional"
-- (only the statutory holidays, no make-up days) until an administrator confirms it after
-- entering the State Council's notice. A year with no row has no calendar: only weekends rest.
-- Filled with the shipped years by `onestop migrate` and at start-up.
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    confirmed_by BIGINT REFERENCES users (id),
    confirmed_at TIMESTAMP
);
