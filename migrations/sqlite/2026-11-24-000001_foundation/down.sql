DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
DROP TABLE audit_events;
DROP TABLE audit_heads;
DROP TABLE login_throttle;
DROP TABLE users;
DROP TABLE organisations;
