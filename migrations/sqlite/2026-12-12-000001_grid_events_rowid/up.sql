PRAGMA foreign_keys = OFF;
BEGIN;
-- An event's row is keyed by its case's id. Declared BIGINT PRIMARY KEY, SQLite kept a rowid
-- and a separate index on application_id: two b-trees written by every report where one
-- does. As INTEGER PRIMARY KEY the case's id is the row's own key.
CREATE TABLE grid_events_rebuilt (
    application_id INTEGER PRIMARY KEY NOT NULL REFERENCES applications (id),
    event_type TEXT NOT NULL REFERENCES event_types (code),
    category_code TEXT NOT NULL,
    grid_id BIGINT NOT NULL REFERENCES grids (id),
    community_id BIGINT NOT NULL,
    street_id BIGINT NOT NULL,
    longitude DOUBLE NOT NULL,
    latitude DOUBLE NOT NULL,
    address TEXT NOT NULL,
    description TEXT NOT NULL,
    -- patrol (a grid worker), citizen (随手拍).
    source TEXT NOT NULL,
    reporter_id BIGINT REFERENCES users (id),
    -- A citizen's phone, to follow the report by its number without an account.
    reporter_phone TEXT NOT NULL,
    -- 合并: the event this duplicate was merged into.
    merged_into BIGINT REFERENCES applications (id),
    reported_at TIMESTAMP NOT NULL,
    reported_day DATE NOT NULL,
    closed_day DATE
);
INSERT INTO grid_events_rebuilt SELECT application_id, event_type, category_code, grid_id,
    community_id, street_id, longitude, latitude, address, description, source, reporter_id,
    reporter_phone, merged_into, reported_at, reported_day, closed_day FROM grid_events;
DROP TABLE grid_events;
ALTER TABLE grid_events_rebuilt RENAME TO grid_events;
-- The command centre's list of a day, newest first.
CREATE INDEX grid_events_day ON grid_events (reported_day, application_id);
-- A worker's list of her grids, newest first (by id, as the list is ordered).
CREATE INDEX grid_events_grid ON grid_events (grid_id, application_id);
-- The map: open events per grid. Partial, as most events are closed.
CREATE INDEX grid_events_open ON grid_events (grid_id) WHERE closed_day IS NULL;
-- Duplicates: the same type within about 100 m of latitude, in the last 24 hours.
CREATE INDEX grid_events_type_place ON grid_events (event_type, latitude, reported_at);
COMMIT;
PRAGMA foreign_keys = ON;
