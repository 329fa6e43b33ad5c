-- The licence registry (证照目录, GB/T 36902): what OneStop issued, to whom, for which item.
-- A later application for the same item (变更, 延续, 注销) takes its 原许可证件 from here
-- instead of an upload (国务院令第716号 Art 7/11).
CREATE TABLE licences (
    id INTEGER PRIMARY KEY NOT NULL,
    -- The number printed on the licence: the tracking number of the application that issued it.
    number TEXT NOT NULL UNIQUE,
    holder_id BIGINT NOT NULL REFERENCES users (id),
    item_id BIGINT NOT NULL REFERENCES items (id),
    application_id BIGINT NOT NULL UNIQUE REFERENCES applications (id),
    -- The result's name, e.g. 《食品经营许可证》.
    name TEXT NOT NULL,
    issued_on DATE NOT NULL,
    -- "valid" or "cancelled" (by a delivered 注销).
    status TEXT NOT NULL
);
CREATE INDEX licences_holder ON licences (holder_id, item_id);

-- Which issued licence an application uses for a material, instead of an upload.
CREATE TABLE material_licences (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    material_name TEXT NOT NULL,
    licence_id BIGINT NOT NULL REFERENCES licences (id),
    PRIMARY KEY (application_id, material_name)
);
