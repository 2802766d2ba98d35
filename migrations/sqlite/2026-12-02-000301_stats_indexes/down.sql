DROP INDEX incidents_open_idx;
DROP INDEX incidents_reported_idx;
