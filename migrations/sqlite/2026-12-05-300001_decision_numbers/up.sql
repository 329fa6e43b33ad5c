-- Decision documents carry a document number (文号), e.g. 深宝市监许〔2026〕123号: each
-- department's running number in the year of the decision, apart from the tracking number.
-- The counter row of (department, year) is taken with an upsert in the decision's own
-- transaction, so two decisions at once get consecutive numbers, never the same one.
CREATE TABLE document_sequences (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (department_id, year)
);

-- The number each decided application's decision document carries. Decisions made before
-- this migration have none, and their documents show none: a 文号 is given when the decision
-- is made, never afterwards.
CREATE TABLE decision_documents (
    application_id BIGINT PRIMARY KEY NOT NULL REFERENCES applications (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    year INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    number TEXT NOT NULL UNIQUE,
    UNIQUE (department_id, year, sequence)
);
