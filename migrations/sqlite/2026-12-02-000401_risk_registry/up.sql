-- Risk registry (issue 15): what an asset runs, vulnerabilities from KEV/EPSS files and CVSS
-- vectors, their links to assets, and risks on assets with their links to incidents.
ALTER TABLE assets ADD COLUMN vendor TEXT;
ALTER TABLE assets ADD COLUMN product TEXT;
ALTER TABLE assets ADD COLUMN cpe TEXT;

CREATE TABLE vulnerabilities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cve TEXT NOT NULL UNIQUE,
    summary TEXT,
    -- From the KEV catalogue: vendorProject and product, matched against assets' (lower case).
    vendor TEXT,
    product TEXT,
    kev BOOLEAN NOT NULL,
    kev_added TEXT,
    kev_due TEXT,
    kev_action TEXT,
    ransomware_use BOOLEAN NOT NULL,
    cwes TEXT,
    -- EPSS probability and percentile in millionths (0.97565 → 975650): portable integers.
    epss_ppm INTEGER,
    epss_percentile_ppm INTEGER,
    epss_date TEXT,
    cvss_vector TEXT,
    -- Base score in tenths (9.8 → 98).
    cvss_score_tenths INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX vulnerabilities_kev_idx ON vulnerabilities (kev, vendor, product);

CREATE TABLE asset_vulnerabilities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asset_id BIGINT NOT NULL REFERENCES assets (id),
    vulnerability_id BIGINT NOT NULL REFERENCES vulnerabilities (id),
    status TEXT NOT NULL,
    note TEXT,
    linked_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (asset_id, vulnerability_id)
);
CREATE INDEX asset_vulnerabilities_vulnerability_idx ON asset_vulnerabilities (vulnerability_id);

CREATE TABLE risks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    threat TEXT NOT NULL,
    likelihood INTEGER NOT NULL,
    impact INTEGER NOT NULL,
    score INTEGER NOT NULL,
    level TEXT NOT NULL,
    owner_id BIGINT REFERENCES users (id),
    treatment TEXT NOT NULL,
    treatment_plan TEXT,
    treatment_due TEXT,
    review_at TEXT,
    residual_likelihood INTEGER,
    residual_impact INTEGER,
    -- Set when an incident hits one of the risk's assets; cleared by a review.
    review_due BOOLEAN NOT NULL,
    review_incident_id BIGINT REFERENCES incidents (id),
    last_reviewed_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX risks_organisation_idx ON risks (organisation_id, id);

CREATE TABLE risk_assets (
    risk_id BIGINT NOT NULL REFERENCES risks (id),
    asset_id BIGINT NOT NULL REFERENCES assets (id),
    PRIMARY KEY (risk_id, asset_id)
);
CREATE INDEX risk_assets_asset_idx ON risk_assets (asset_id);

CREATE TABLE risk_incidents (
    risk_id BIGINT NOT NULL REFERENCES risks (id),
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    linked_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (risk_id, incident_id)
);

CREATE TABLE risk_vulnerabilities (
    risk_id BIGINT NOT NULL REFERENCES risks (id),
    vulnerability_id BIGINT NOT NULL REFERENCES vulnerabilities (id),
    linked_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (risk_id, vulnerability_id)
);
