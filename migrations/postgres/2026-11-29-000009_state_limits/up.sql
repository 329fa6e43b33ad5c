-- The day an application entered its current state, for states with a time limit of their own
-- (a step's limit, e.g. the on-site check within so many working days).
ALTER TABLE applications ADD COLUMN state_entered_on DATE;
