-- Indicators read every incident reported in a window: a range over reported_at whose entry
-- carries the columns the figures need, so a year of incidents is one index-only scan.
CREATE INDEX incidents_reported_idx ON incidents (reported_at)
    INCLUDE (acknowledged_at, contained_at, closed_at, status, category, severity, organisation_id);
-- The dashboard's open incidents: few rows among many closed ones.
CREATE INDEX incidents_open_idx ON incidents (status, severity)
    WHERE status IN ('new', 'triage', 'containment', 'eradication', 'recovery');
