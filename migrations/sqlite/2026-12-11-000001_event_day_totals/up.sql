-- The command centre compares a day with the 30 before it. Summing those days from
-- event_day_counts reads about 150,000 rows at the district's scale (5,000 a day), 100 ms and
-- more per view. Every count is made on the day it happens (services::workflow::grid_events),
-- so a day once past never changes: its totals are kept here the first time they are needed
-- (a memo, filled by db::grid::daily_totals, emptied by the seed when it adds past events).
CREATE TABLE event_day_totals (
    day DATE PRIMARY KEY NOT NULL,
    found BIGINT NOT NULL,
    dispatched BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    closed_on_time BIGINT NOT NULL
);
