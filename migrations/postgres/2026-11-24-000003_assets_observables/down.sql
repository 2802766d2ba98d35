DROP TABLE observables;
DROP TABLE incident_assets;
DROP TABLE assets;
