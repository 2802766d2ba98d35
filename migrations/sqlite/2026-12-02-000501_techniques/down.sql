DROP TABLE model_examples;
DROP TABLE model_versions;
DROP TABLE incident_techniques;
