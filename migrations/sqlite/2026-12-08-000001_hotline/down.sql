-- The columns stay nullable: a database with hotline requests has rows that need it.
DROP INDEX applications_hotline;
DROP TABLE hotline_requests;
DROP TABLE hotline_types;
