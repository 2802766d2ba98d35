-- Indicators read every incident reported in a window: a covering index over reported_at.
CREATE INDEX incidents_reported_idx ON incidents
    (reported_at, acknowledged_at, contained_at, closed_at, status, category, severity, organisation_id);
CREATE INDEX incidents_open_idx ON incidents (status, severity)
    WHERE status IN ('new', 'triage', 'containment', 'eradication', 'recovery');
