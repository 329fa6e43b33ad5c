-- Where supervision got to: the Beijing day of its last full pass and when its last pass began
-- (one row). Within a day, a pass looks only at the applications changed since.
CREATE TABLE supervision_passes (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    day DATE NOT NULL,
    started_at TIMESTAMP NOT NULL
);
