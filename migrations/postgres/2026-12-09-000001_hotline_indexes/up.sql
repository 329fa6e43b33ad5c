-- The hotline's daily figures read the events of requests no department holds yet (received,
-- answered at once, merged). Only hotline events lack a department, so a partial index keeps
-- applications' transitions free of its upkeep.
CREATE INDEX application_events_undepartmented ON application_events (created_at)
    WHERE department_id IS NULL;

-- The supervision pass looks for urgent requests past their hours; they are few.
CREATE INDEX hotline_requests_urgent ON hotline_requests (urgent_due_at) WHERE urgent;
