DROP INDEX incidents_reported_idx;
CREATE INDEX incidents_reported_idx ON incidents
    (reported_at, acknowledged_at, contained_at, closed_at, status, category, severity, organisation_id);
