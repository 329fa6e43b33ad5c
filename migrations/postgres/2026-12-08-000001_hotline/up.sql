ALTER TABLE applications ALTER COLUMN service_id DROP NOT NULL;
ALTER TABLE applications ALTER COLUMN form_definition_id DROP NOT NULL;
ALTER TABLE applications ALTER COLUMN applicant_id DROP NOT NULL;
-- 12345 hotline requests (咨询, 求助, 投诉, 举报, 建议). One engine, several kinds of case: a
-- hotline request is a case in `applications` (kind 'hotline'), in the same transitions, clocks,
-- supervision, audit trail and outbox. It has no service, no form and, for a phone call or an
-- anonymous request, no account: those columns became nullable. What is a request's own is here.
CREATE TABLE hotline_requests (
    application_id BIGINT PRIMARY KEY NOT NULL REFERENCES applications (id),
    -- consultation, help, complaint, report, suggestion (domain/hotline.rs).
    request_type TEXT NOT NULL,
    -- online, phone.
    channel TEXT NOT NULL,
    urgent BOOLEAN NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    location TEXT NOT NULL,
    -- The topic of the shipped classification, chosen by the operator at dispatch.
    topic TEXT,
    caller_name TEXT NOT NULL,
    -- Digits only; the key to a caller's earlier requests.
    caller_phone TEXT NOT NULL,
    caller_email TEXT NOT NULL,
    -- 保密: the caller's identity is kept from the department.
    confidential BOOLEAN NOT NULL,
    -- The operator who took the call or the request.
    operator_id BIGINT REFERENCES users (id),
    -- 合并: the request whose answer this one gets.
    merged_into BIGINT REFERENCES applications (id),
    -- The guide an operator's direct answer links (直接答复).
    guide_service_id BIGINT REFERENCES services (id),
    -- The caller's rating of the answer: satisfied, basically_satisfied, unsatisfied.
    satisfaction TEXT,
    rated_at TIMESTAMP,
    -- Day (Beijing) of receipt, for the hotline's figures per day.
    received_day DATE NOT NULL,
    -- An urgent request's deadline, in hours from receipt.
    urgent_due_at TIMESTAMP
);
-- The types of request and their time limits: data that administrators change, seeded from
-- domain/hotline.toml when the table is empty.
CREATE TABLE hotline_types (
    code TEXT PRIMARY KEY NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    -- Working days from receipt.
    answer_days INTEGER NOT NULL CHECK (answer_days BETWEEN 1 AND 60),
    -- Hours from receipt, for an urgent request.
    urgent_hours INTEGER NOT NULL CHECK (urgent_hours BETWEEN 1 AND 72),
    position INTEGER NOT NULL
);
CREATE INDEX hotline_requests_phone ON hotline_requests (caller_phone, application_id);
CREATE INDEX hotline_requests_merged ON hotline_requests (merged_into);
CREATE INDEX hotline_requests_day ON hotline_requests (received_day);
-- The hotline's lists, most urgent first. Partial, so that an application's submission and
-- transitions do not maintain it.
CREATE INDEX applications_hotline ON applications (status, due_on, id) WHERE kind = 'hotline';
