-- Alerts (alerts/ in the server): rules, the alert instances their evaluation opens and closes,
-- each instance's history, and the notices that notification delivery turns into messages.

-- A rule says what is wrong (its kind and the kind's parameters, checked by the kind's class), on
-- which hosts (a host selector, stored as groups/HostSelector writes it), how bad it is and who is
-- told. `for_seconds`: how long the condition must hold before the alert fires (0: at once);
-- `resolve_after_seconds`: how long it must be false before the alert resolves (0: at the first
-- evaluation that finds it false).
CREATE TABLE alert_rules (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id                 uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description            text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    runbook_url            text CHECK (length(runbook_url) <= 2000),
    kind                   text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    parameters             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
    severity               text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    selector               jsonb NOT NULL CHECK (jsonb_typeof(selector) = 'object'),
    for_seconds            integer NOT NULL DEFAULT 0 CHECK (for_seconds BETWEEN 0 AND 604800),
    resolve_after_seconds  integer NOT NULL DEFAULT 0
                               CHECK (resolve_after_seconds BETWEEN 0 AND 604800),
    notify_resolved        boolean NOT NULL DEFAULT true,
    -- repeat the notification this often while firing and unacknowledged; NULL: never
    repeat_every_seconds   integer CHECK (repeat_every_seconds BETWEEN 3600 AND 604800),
    enabled                boolean NOT NULL DEFAULT true,
    created_by             uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

-- One instance per rule and host while it is open (pending or firing); a resolved one stays as
-- history and the next breach opens a new one. `value` is the value the condition last saw while
-- open (the one that fired it, once firing); `false_since` when the condition was last found false
-- while the instance is open (the resolve-after window).
CREATE TABLE alert_instances (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id                 uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    rule_id                uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    host_id                uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    state                  text NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
    severity               text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    value                  double precision,
    fired_value            double precision,
    pending_since          timestamptz NOT NULL,
    firing_since           timestamptz,
    false_since            timestamptz,
    resolved_at            timestamptz,
    resolved_reason        text,
    acknowledged_at        timestamptz,
    acknowledged_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    acknowledged_by_name   text,
    acknowledge_comment    text CHECK (length(acknowledge_comment) <= 2000),
    last_notified_at       timestamptz,
    -- while a silence covers it: it fires and shows, but notifies nobody
    silenced_until         timestamptz,
    CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)),
    CHECK (state <> 'firing' OR firing_since IS NOT NULL)
);

CREATE UNIQUE INDEX alert_instances_open_idx ON alert_instances (rule_id, host_id)
    WHERE state <> 'resolved';
-- the Hosts page: each host's firing alerts, and the distinct hosts with one
CREATE INDEX alert_instances_firing_host_idx ON alert_instances (host_id, severity)
    WHERE state = 'firing';
CREATE INDEX alert_instances_org_idx ON alert_instances (org_id, pending_since DESC);
-- the evaluator's question "which open alerts of this rule does a silence cover"
CREATE INDEX alert_instances_silenced_idx ON alert_instances (rule_id)
    WHERE silenced_until IS NOT NULL AND state <> 'resolved';
CREATE INDEX alert_instances_host_idx ON alert_instances (host_id, pending_since DESC);

-- An instance's history: every change of state, acknowledgement and notification, in order.
CREATE TABLE alert_events (
    id           bigserial PRIMARY KEY,
    instance_id  uuid NOT NULL REFERENCES alert_instances (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    event        text NOT NULL CHECK (event IN ('pending', 'firing', 'resolved', 'acknowledged',
                                                'notified')),
    value        double precision,
    detail       text
);
CREATE INDEX alert_events_instance_idx ON alert_events (instance_id, id);

-- What the evaluator asks notification delivery to say: an instance started firing, resolved, or
-- is still firing unacknowledged after the rule's repeat interval. Delivery groups them per rule
-- and event over a short window, so 10,000 hosts going offline make a handful of messages.
CREATE TABLE alert_notices (
    id           bigserial PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    rule_id      uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    instance_id  uuid NOT NULL REFERENCES alert_instances (id) ON DELETE CASCADE,
    event        text NOT NULL CHECK (event IN ('firing', 'resolved', 'repeat')),
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_notices_rule_idx ON alert_notices (rule_id, event, at);

-- The host offline rules read the silent hosts alone, by their last contact.
CREATE INDEX host_vitals_silent_idx ON host_vitals (org_id, last_seen)
    WHERE host_status IN ('offline', 'unknown');

-- Each host's latest network rates, for network threshold rules (kept like the other vitals).
ALTER TABLE host_vitals
    ADD COLUMN net_rx_bytes_per_sec bigint CHECK (net_rx_bytes_per_sec >= 0),
    ADD COLUMN net_tx_bytes_per_sec bigint CHECK (net_tx_bytes_per_sec >= 0);

-- Where notifications go: an email address list, a webhook (JSON, signed with the channel's
-- secret) or a Slack-compatible incoming webhook; `config` holds the kind's settings. Delivery
-- (its outbox and log) is in alerts/notify.
CREATE TABLE notification_channels (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('email', 'webhook', 'slack')),
    config      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    enabled     boolean NOT NULL DEFAULT true,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

-- The channels a rule's notices go to.
CREATE TABLE alert_rule_channels (
    rule_id     uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    channel_id  uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, channel_id)
);
CREATE INDEX alert_rule_channels_channel_idx ON alert_rule_channels (channel_id);

-- The notification bell: each user's newest alert event read (firing and resolved events after it,
-- of the hosts they see, are unread).
CREATE TABLE alert_reads (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_event_id  bigint NOT NULL DEFAULT 0
);
CREATE INDEX alert_events_bell_idx ON alert_events (id) WHERE event IN ('firing', 'resolved');

-- Silences (maintenance windows): a rule, hosts (a host selector as groups/HostSelector writes it),
-- or a rule on some hosts, muted from `starts_at` until `ends_at` with a reason. Alerts they cover
-- still fire and show as silenced, but notify nobody; a silence ends by itself.
CREATE TABLE alert_silences (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id           uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    rule_id          uuid REFERENCES alert_rules (id) ON DELETE CASCADE,
    selector         jsonb CHECK (selector IS NULL OR jsonb_typeof(selector) = 'object'),
    reason           text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_by_name  text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (rule_id IS NOT NULL OR selector IS NOT NULL)
);
CREATE INDEX alert_silences_org_idx ON alert_silences (org_id, ends_at DESC);
