-- Evidence records are immutable: the file behind them is content-addressed by `sha256` under
-- `<data dir>/evidence/sha256/<2 hex>/<64 hex>`, so the same bytes are stored once however
-- often they are uploaded. Custody events are append-only; each one is also an audit event in
-- the incident's stream.
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL CHECK (size >= 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    description TEXT NOT NULL,
    collected_by BIGINT REFERENCES users (id),
    collected_at TIMESTAMP NOT NULL,
    uploader_organisation_id BIGINT NOT NULL REFERENCES organisations (id)
);
CREATE INDEX evidence_incident_idx ON evidence (incident_id, id);
CREATE INDEX evidence_sha256_idx ON evidence (sha256);

CREATE TABLE custody_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    evidence_id BIGINT NOT NULL REFERENCES evidence (id),
    action TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    from_holder TEXT,
    to_holder TEXT,
    location TEXT,
    purpose TEXT,
    authority TEXT,
    note TEXT,
    -- The result of re-hashing the stored file: set on `accessed` and `integrity_failure`.
    hash_verified BOOLEAN,
    at TIMESTAMP NOT NULL,
    -- The IANA zone the actor worked in, so the UTC time can be shown as they saw it.
    time_zone TEXT NOT NULL
);
CREATE INDEX custody_events_evidence_idx ON custody_events (evidence_id, id);

CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN
    SELECT RAISE(ABORT, 'evidence rows are immutable');
END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN
    SELECT RAISE(ABORT, 'evidence rows are immutable');
END;
CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events
BEGIN
    SELECT RAISE(ABORT, 'custody_events rows are immutable');
END;
CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events
BEGIN
    SELECT RAISE(ABORT, 'custody_events rows are immutable');
END;
