-- A worker's list of her grids is ordered by id: the index follows it. (On SQLite the same
-- migration also makes the case's id the row's own key; PostgreSQL's primary key is already
-- the only key.)
DROP INDEX grid_events_grid;
CREATE INDEX grid_events_grid ON grid_events (grid_id, application_id);
