-- A department's count of a state was one row, updated by every submission and transition of
-- that department and locked until the transaction committed: on PostgreSQL concurrent
-- submissions to one department queued on it (a backend waited on that row lock nearly all
-- the time under the benchmark's submissions). Each count is now kept in 16 slots, chosen by
-- the application, and read as their sum.
ALTER TABLE queue_counts ADD COLUMN slot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue_counts DROP CONSTRAINT queue_counts_pkey;
ALTER TABLE queue_counts ADD PRIMARY KEY (department_id, status, slot);
ALTER TABLE queue_counts ALTER COLUMN slot DROP DEFAULT;
