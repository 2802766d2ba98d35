-- NIS2 (Art. 23): which organisations are essential or important entities, which incidents are
-- significant, and the reporting stages of those incidents.
ALTER TABLE organisations ADD COLUMN nis2_entity TEXT NOT NULL DEFAULT 'none';
-- A row here marks an incident significant (never removed: the stages have started).
CREATE TABLE significant_incidents (
    incident_id BIGINT PRIMARY KEY REFERENCES incidents (id),
    marked_at TIMESTAMP NOT NULL,
    marked_by BIGINT REFERENCES users (id)
);

-- One row per stage to report (early_warning, notification, intermediate, final), created when
-- the stage opens, filled once by its submission; a correction is a new row of the same stage
-- that `supersedes` the one it corrects. `ack_due_at` is the CERT's answer to an early warning.
CREATE TABLE incident_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    stage TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    submitted_by BIGINT REFERENCES users (id),
    fields TEXT NOT NULL DEFAULT '{}',
    supersedes BIGINT REFERENCES incident_reports (id),
    requested_by BIGINT REFERENCES users (id),
    ack_due_at TIMESTAMP,
    acknowledged_at TIMESTAMP,
    acknowledged_by BIGINT REFERENCES users (id),
    feedback TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX incident_reports_incident_idx ON incident_reports (incident_id, id);
-- A version is corrected at most once: corrections form a chain, never a fork.
CREATE UNIQUE INDEX incident_reports_supersedes_key ON incident_reports (supersedes);
-- Each stage opens once per incident (intermediate reports as often as the CERT asks).
CREATE UNIQUE INDEX incident_reports_stage_key ON incident_reports (incident_id, stage)
    WHERE supersedes IS NULL AND stage <> 'intermediate';
-- Pending stages, for the clock.
CREATE INDEX incident_reports_due_idx ON incident_reports (due_at) WHERE submitted_at IS NULL;
