DROP TABLE risk_vulnerabilities;
DROP TABLE risk_incidents;
DROP TABLE risk_assets;
DROP TABLE risks;
DROP TABLE asset_vulnerabilities;
DROP TABLE vulnerabilities;
ALTER TABLE assets DROP COLUMN cpe;
ALTER TABLE assets DROP COLUMN product;
ALTER TABLE assets DROP COLUMN vendor;
