DROP TABLE tasks;
DROP TABLE comments;
DROP TABLE incident_shares;
DROP TABLE incidents;
DROP TABLE reference_counters;
