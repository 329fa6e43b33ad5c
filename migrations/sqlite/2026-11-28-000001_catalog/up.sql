-- The public service catalog: departments, items (事项), services (办理项) and their materials.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE items (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    item_type TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id)
);
CREATE INDEX items_department ON items (department_id);

CREATE TABLE services (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    item_id BIGINT NOT NULL REFERENCES items (id),
    -- Denormalised from the item so that department filters and counts need no join.
    department_id BIGINT NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    variant TEXT NOT NULL,
    applicant_type TEXT NOT NULL,
    legal_days INTEGER NOT NULL,
    promised_days INTEGER NOT NULL,
    fee_fen BIGINT NOT NULL,
    online BOOLEAN NOT NULL,
    result_name TEXT NOT NULL,
    -- JSON array of strings.
    steps TEXT NOT NULL,
    -- Lower-cased names and codes, searched with LIKE.
    search_text TEXT NOT NULL,
    -- False once the service has left the catalog file; its rows stay for the record.
    listed BOOLEAN NOT NULL,
    CHECK (promised_days >= 0 AND promised_days <= legal_days),
    CHECK (fee_fen >= 0)
);
CREATE INDEX services_item ON services (item_id);
-- Catalog order: by department, then by code (so that removing a row moves no other).
CREATE INDEX services_department_code ON services (department_id, code);

CREATE TABLE service_materials (
    id INTEGER PRIMARY KEY NOT NULL,
    service_id BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    form TEXT NOT NULL,
    copies INTEGER NOT NULL CHECK (copies > 0),
    necessity TEXT NOT NULL,
    source TEXT NOT NULL,
    UNIQUE (service_id, name)
);
CREATE INDEX service_materials_service_position ON service_materials (service_id, position);
