DROP TABLE deadline_alerts;
ALTER TABLE incidents DROP COLUMN resolve_due_at;
ALTER TABLE incidents DROP COLUMN contain_due_at;
DROP TABLE sla_policies;
