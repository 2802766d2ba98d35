-- The CII registry. Reporters may propose their own organisation's assets; CERT staff approve.
CREATE TABLE assets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    hostname TEXT,
    ip TEXT,
    -- First and last address of `ip` as 32 hex digits (IPv4 mapped into IPv6), so that "which
    -- assets contain this address" is a range comparison on text in both databases.
    ip_start TEXT,
    ip_end TEXT,
    domain TEXT,
    sector TEXT,
    criticality INTEGER NOT NULL,
    approved BOOLEAN NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX assets_organisation_idx ON assets (organisation_id, id);
CREATE INDEX assets_ip_range_idx ON assets (ip_start, ip_end);
CREATE INDEX assets_domain_idx ON assets (domain);

CREATE TABLE incident_assets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    asset_id BIGINT NOT NULL REFERENCES assets (id),
    impact TEXT,
    linked_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (incident_id, asset_id)
);
CREATE INDEX incident_assets_asset_idx ON incident_assets (asset_id, incident_id);

CREATE TABLE observables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    tlp TEXT NOT NULL,
    tlp_rank INTEGER NOT NULL,
    note TEXT,
    ip_key TEXT,
    created_by BIGINT REFERENCES users (id),
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (incident_id, kind, value)
);
-- Correlation looks a value up across incidents.
CREATE INDEX observables_value_idx ON observables (value, incident_id);
