-- Health checks (checks/): what an organisation asks its agents to check, on which hosts (a host
-- selector, the one alert rules use), how often. The type and parameters are those agents run
-- (protocol's CheckConfig reads them on both sides).
CREATE TABLE checks (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id            uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    check_type        text NOT NULL CHECK (length(check_type) BETWEEN 1 AND 32),
    config            jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
    interval_seconds  integer NOT NULL CHECK (interval_seconds BETWEEN 10 AND 86400),
    selector          jsonb NOT NULL CHECK (jsonb_typeof(selector) = 'object'),
    -- a tag selector's filter terms, so that SQL matches a host against the stored selector
    -- (groups/HostSelector.storedCondition) without reading the JSON's tags
    selector_terms    text[] NOT NULL DEFAULT '{}',
    enabled           boolean NOT NULL DEFAULT true,
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

-- The latest result of each check on each host: what the Checks tab, the fleet page and the
-- "check failing" alert read. Updated in place with every result (room left on each page so the
-- updates stay HOT). `since`: when the current status began; `consecutive_failures`: results in a
-- row that failed, up to the latest.
CREATE TABLE check_states (
    check_id              uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    host_id               uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    status                text NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
    output                text NOT NULL DEFAULT '',
    duration_ms           integer NOT NULL,
    ran_at                timestamptz NOT NULL,
    since                 timestamptz NOT NULL,
    consecutive_failures  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (check_id, host_id)
) WITH (fillfactor = 70);

CREATE INDEX check_states_host ON check_states (host_id);

-- Every result, kept a week in daily partitions created ahead and dropped whole (the partition
-- maintenance of metrics/MetricPartitions). The key makes results an agent sends again after a
-- reconnect idempotent. No foreign keys: rows of a deleted check or host age out with their day.
CREATE TABLE check_results (
    check_id     uuid NOT NULL,
    host_id      uuid NOT NULL,
    ran_at       timestamptz NOT NULL,
    status       text NOT NULL,
    output       text NOT NULL DEFAULT '',
    duration_ms  integer NOT NULL,
    PRIMARY KEY (host_id, check_id, ran_at)
) PARTITION BY RANGE (ran_at);

-- Every change of a check's status on a host, kept as long as the check and the host are.
CREATE TABLE check_state_changes (
    check_id     uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    host_id      uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    changed_at   timestamptz NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    output       text NOT NULL DEFAULT '',
    PRIMARY KEY (host_id, check_id, changed_at)
);

CREATE INDEX check_state_changes_check ON check_state_changes (check_id, changed_at DESC);

-- Engineers may define checks too when an admin allows it; by default only admins.
ALTER TABLE organisations ADD COLUMN engineers_manage_checks boolean NOT NULL DEFAULT false;
