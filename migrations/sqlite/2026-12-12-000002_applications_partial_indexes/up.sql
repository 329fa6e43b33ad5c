-- Three of the cases' indexes serve lookups by a column many cases leave empty: a grid worker's
-- report has no applicant and no service, a hotline request taken by phone no applicant, and
-- nearly every case no assignee until a clerk takes it. Every such case still wrote an entry
-- under NULL in each of them, and moved it at each change of status. Partial, they hold only
-- the cases that have the value; every query of them asks for a value (x = ?), which both
-- databases know implies x IS NOT NULL.
DROP INDEX applications_applicant_updated;
CREATE INDEX applications_applicant_updated ON applications (applicant_id, updated_at)
    WHERE applicant_id IS NOT NULL;
DROP INDEX applications_service_status;
CREATE INDEX applications_service_status ON applications (service_id, status)
    WHERE service_id IS NOT NULL;
DROP INDEX applications_assignee;
CREATE INDEX applications_assignee ON applications (assignee_id, status)
    WHERE assignee_id IS NOT NULL;
