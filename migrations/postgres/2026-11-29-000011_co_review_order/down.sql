CREATE INDEX applications_workflow_status ON applications (workflow_definition_id, status);
DROP INDEX applications_workflow_status_due;
