DROP TABLE incident_reports;
DROP TABLE significant_incidents;
ALTER TABLE organisations DROP COLUMN nis2_entity;
