-- ATT&CK technique tags on incidents (issue 16). `source` is 'analyst' or 'suggestion' (added by
-- one click on a suggestion), so that acceptance of suggestions can be measured.
CREATE TABLE incident_techniques (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    technique_id TEXT NOT NULL,
    note TEXT,
    source TEXT NOT NULL,
    added_by BIGINT REFERENCES users (id),
    added_at TIMESTAMP NOT NULL,
    UNIQUE (incident_id, technique_id)
);
CREATE INDEX incident_techniques_technique_idx ON incident_techniques (technique_id, incident_id);

-- Versions of the technique model: version 0 is the shipped data alone (no row); each
-- `qalxan model train` adds a row and snapshots the CERT's confirmed sentences into
-- model_examples, so that every server trains the same model from the same data.
CREATE TABLE model_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    examples INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    trained_at TIMESTAMP NOT NULL
);

CREATE TABLE model_examples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id BIGINT NOT NULL REFERENCES model_versions (id),
    incident_id BIGINT REFERENCES incidents (id),
    text TEXT NOT NULL,
    technique_id TEXT NOT NULL
);
CREATE INDEX model_examples_version_idx ON model_examples (version_id, id);
