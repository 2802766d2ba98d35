-- Reference numbers per year, allocated inside the creating transaction.
CREATE TABLE reference_counters (
    scope TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL
);

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    search_key TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT,
    tlp TEXT NOT NULL,
    tlp_rank INTEGER NOT NULL,
    pap TEXT NOT NULL,
    status TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    reporter_id BIGINT REFERENCES users (id),
    reporter_contact TEXT,
    tracking_hash TEXT UNIQUE,
    assignee_id BIGINT REFERENCES users (id),
    detected_at TIMESTAMP,
    reported_at TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP,
    contained_at TIMESTAMP,
    eradicated_at TIMESTAMP,
    recovered_at TIMESTAMP,
    closed_at TIMESTAMP,
    ack_due_at TIMESTAMP NOT NULL,
    resolution TEXT,
    root_cause TEXT,
    duplicate_of BIGINT REFERENCES incidents (id),
    reopen_count INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Lists are newest first (id descending) under each filter.
CREATE INDEX incidents_status_idx ON incidents (status, id);
CREATE INDEX incidents_organisation_idx ON incidents (organisation_id, id);
CREATE INDEX incidents_assignee_idx ON incidents (assignee_id, id);
CREATE INDEX incidents_severity_idx ON incidents (severity, id);
CREATE INDEX incidents_category_idx ON incidents (category, id);

CREATE TABLE incident_shares (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    max_tlp TEXT NOT NULL,
    max_tlp_rank INTEGER NOT NULL,
    shared_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (incident_id, organisation_id)
);
CREATE INDEX incident_shares_organisation_idx ON incident_shares (organisation_id, incident_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    author_id BIGINT REFERENCES users (id),
    body TEXT NOT NULL,
    visibility TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_incident_idx ON comments (incident_id, id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    title TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users (id),
    status TEXT NOT NULL,
    due_at TIMESTAMP,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE INDEX tasks_incident_idx ON tasks (incident_id, id);
CREATE INDEX tasks_assignee_idx ON tasks (assignee_id, id);
