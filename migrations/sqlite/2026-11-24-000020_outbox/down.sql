DROP TABLE notification_optouts;
DROP TABLE outbox;
