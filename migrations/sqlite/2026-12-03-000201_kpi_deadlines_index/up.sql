-- The indicators also judge each incident's SLA deadlines: the covering index carries them too
-- (the id is the rowid, in every index already).
DROP INDEX incidents_reported_idx;
CREATE INDEX incidents_reported_idx ON incidents
    (reported_at, acknowledged_at, contained_at, closed_at, status, category, severity, organisation_id,
     ack_due_at, contain_due_at, resolve_due_at);
