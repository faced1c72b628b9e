-- Notification delivery (alerts/notify in the server): the outbox the dispatcher fills from
-- alert_notices, the log of every attempt to deliver, and each organisation's SMTP settings.

-- One message for one channel, rendered when it was grouped (`payload`: the exact body a webhook
-- or Slack channel posts; for email a JSON object with its subject and text). Workers on any
-- instance claim due rows with FOR UPDATE SKIP LOCKED and hold them until `claimed_until`; a row
-- whose claimant died is due again once that lapses, so a message is sent at least once.
CREATE TABLE notification_outbox (
    id               bigserial PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    channel_id       uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    rule_id          uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
    event            text NOT NULL CHECK (event IN ('firing', 'resolved', 'repeat')),
    host_count       integer NOT NULL CHECK (host_count >= 0),
    payload          text NOT NULL,
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'given_up')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    claimed_by       text,
    claimed_until    timestamptz,
    finished_at      timestamptz,
    last_error       text,
    CHECK ((state = 'pending') = (finished_at IS NULL))
);
-- the workers' question: what is due now, per channel in order
CREATE INDEX notification_outbox_due_idx ON notification_outbox (channel_id, next_attempt_at, id)
    WHERE state = 'pending';
-- finished rows are purged after a while
CREATE INDEX notification_outbox_finished_idx ON notification_outbox (finished_at)
    WHERE state <> 'pending';

-- Every attempt to deliver, a channel's "Send test" included (then `outbox_id` is NULL).
-- `outcome`: sent, failed (retried later) or given_up (the last failure of a message).
CREATE TABLE notification_deliveries (
    id           bigserial PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    channel_id   uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    outbox_id    bigint REFERENCES notification_outbox (id) ON DELETE SET NULL,
    at           timestamptz NOT NULL,
    event        text NOT NULL CHECK (event IN ('firing', 'resolved', 'repeat', 'test')),
    attempt      integer NOT NULL CHECK (attempt >= 1),
    outcome      text NOT NULL CHECK (outcome IN ('sent', 'failed', 'given_up')),
    http_status  integer,
    smtp_reply   text CHECK (length(smtp_reply) <= 1000),
    detail       text CHECK (length(detail) <= 1000),
    duration_ms  integer NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX notification_deliveries_channel_idx ON notification_deliveries (channel_id, id DESC);
CREATE INDEX notification_deliveries_at_idx ON notification_deliveries (at);

-- The organisation's mail server for email channels; the CTOPS_SMTP_* environment variables
-- override each field. The password is never shown back.
CREATE TABLE smtp_settings (
    org_id        uuid PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    host          text NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    port          integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    security      text NOT NULL CHECK (security IN ('starttls', 'tls', 'none')),
    username      text CHECK (length(username) <= 320),
    password      text CHECK (length(password) <= 1000),
    from_address  text NOT NULL CHECK (length(from_address) BETWEEN 3 AND 320),
    updated_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
