DROP TABLE application_events;
DROP TABLE applications;
DROP TABLE form_definitions;
