-- SLA targets per severity (minutes from the report), editable by administrators.
CREATE TABLE sla_policies (
    severity TEXT PRIMARY KEY,
    ack_minutes INTEGER NOT NULL CHECK (ack_minutes >= 1),
    contain_minutes INTEGER NOT NULL CHECK (contain_minutes >= 1),
    resolve_minutes INTEGER NOT NULL CHECK (resolve_minutes >= 1),
    updated_by BIGINT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO sla_policies (severity, ack_minutes, contain_minutes, resolve_minutes, updated_at) VALUES
    ('critical', 60, 240, 4320, CURRENT_TIMESTAMP),
    ('high', 240, 1440, 10080, CURRENT_TIMESTAMP),
    ('medium', 1440, 4320, 20160, CURRENT_TIMESTAMP),
    ('low', 4320, 10080, 43200, CURRENT_TIMESTAMP);

ALTER TABLE incidents ADD COLUMN contain_due_at TIMESTAMP;
ALTER TABLE incidents ADD COLUMN resolve_due_at TIMESTAMP;

-- Existing incidents get the default targets of their severity; an acknowledgement still
-- pending moves to its severity's target too (it was 24 h for everyone).
UPDATE incidents SET
    contain_due_at = datetime(incidents.reported_at, '+' || p.contain_minutes || ' minutes'),
    resolve_due_at = datetime(incidents.reported_at, '+' || p.resolve_minutes || ' minutes'),
    ack_due_at = CASE WHEN incidents.acknowledged_at IS NULL
        THEN datetime(incidents.reported_at, '+' || p.ack_minutes || ' minutes')
        ELSE incidents.ack_due_at END
FROM sla_policies p
WHERE p.severity = incidents.severity;

-- One row per alert the clock sent: the unique key makes each warning and breach notice happen
-- once, however many workers run and however often they restart.
CREATE TABLE deadline_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deadline_key TEXT NOT NULL,
    alert TEXT NOT NULL,
    incident_id BIGINT REFERENCES incidents (id),
    due_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (deadline_key, alert)
);
CREATE INDEX deadline_alerts_incident_idx ON deadline_alerts (incident_id);
