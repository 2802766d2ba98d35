-- Mail to send. Domain code inserts rows in the same transaction as its change; the worker
-- claims due rows, sends them over SMTP and records the outcome. `context` is the template's
-- variables as JSON text. A claim is a lease: a row left in `sending` by a crashed worker is
-- claimed again once `locked_until` has passed.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    recipient_email TEXT NOT NULL,
    recipient_user_id BIGINT REFERENCES users (id),
    locale TEXT NOT NULL,
    incident_id BIGINT,
    thread_key TEXT,
    context TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    locked_until TIMESTAMP,
    claimed_by TEXT,
    sent_at TIMESTAMP,
    message_id TEXT,
    created_at TIMESTAMP NOT NULL
);
-- Claiming looks only at unfinished rows; partial indexes keep them small as sent mail piles up.
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_lease_idx ON outbox (locked_until, id) WHERE status = 'sending';
CREATE INDEX outbox_status_idx ON outbox (status, id);
CREATE INDEX outbox_incident_idx ON outbox (incident_id, id);

-- Kinds of mail a user has switched off. Only non-essential kinds may appear here (enforced in
-- services::notify); a missing row means "on".
CREATE TABLE notification_optouts (
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind)
);
