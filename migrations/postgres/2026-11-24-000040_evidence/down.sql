DROP TABLE custody_events;
DROP TABLE evidence;
DROP FUNCTION evidence_immutable();
