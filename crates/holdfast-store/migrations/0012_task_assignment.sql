-- Issue 10: a task can go to a role rather than a person (billing's refunds and heads-ups, a case
-- handed to the CSMs), and says what the work is about without opening the case (the number to
-- call and the reason, why it was handed off). The projection fills both; the tasks of existing
-- cases are projected again by the Rust step that follows this migration.
ALTER TABLE tasks ADD COLUMN assignee_role TEXT;
ALTER TABLE tasks ADD COLUMN detail TEXT;
CREATE INDEX tasks_by_role ON tasks (open, assignee_role, due_at);
