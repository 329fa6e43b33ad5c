ALTER TABLE workflow_definitions DROP COLUMN digest;
