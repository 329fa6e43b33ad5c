DROP INDEX services_workflow;
DROP TABLE admin_events;
DROP TABLE workflow_drafts;
