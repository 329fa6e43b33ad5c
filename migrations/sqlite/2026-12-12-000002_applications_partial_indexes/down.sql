DROP INDEX applications_applicant_updated;
CREATE INDEX applications_applicant_updated ON applications (applicant_id, updated_at);
DROP INDEX applications_service_status;
CREATE INDEX applications_service_status ON applications (service_id, status);
DROP INDEX applications_assignee;
CREATE INDEX applications_assignee ON applications (assignee_id, status);
