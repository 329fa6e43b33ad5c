PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE grid_events_rebuilt (
    application_id BIGINT PRIMARY KEY NOT NULL REFERENCES applications (id),
    event_type TEXT NOT NULL REFERENCES event_types (code),
    category_code TEXT NOT NULL,
    grid_id BIGINT NOT NULL REFERENCES grids (id),
    community_id BIGINT NOT NULL,
    street_id BIGINT NOT NULL,
    longitude DOUBLE NOT NULL,
    latitude DOUBLE NOT NULL,
    address TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    reporter_id BIGINT REFERENCES users (id),
    reporter_phone TEXT NOT NULL,
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
CREATE INDEX grid_events_day ON grid_events (reported_day, application_id);
CREATE INDEX grid_events_grid ON grid_events (grid_id, reported_at);
CREATE INDEX grid_events_open ON grid_events (grid_id) WHERE closed_day IS NULL;
CREATE INDEX grid_events_type_place ON grid_events (event_type, latitude, reported_at);
COMMIT;
PRAGMA foreign_keys = ON;
