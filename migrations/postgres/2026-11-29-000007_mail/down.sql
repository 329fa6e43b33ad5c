DROP TABLE mail_digests;
DROP INDEX outbox_status_id;
DROP INDEX outbox_recipient;
ALTER TABLE outbox DROP COLUMN link_path;
