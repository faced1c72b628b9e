-- CT-Ops foundation schema: organisations, accounts, enrolment, agents, hosts, status history and
-- the time series of host vitals.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE organisations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(name));

INSERT INTO organisations (name, slug) VALUES ('Default', 'default');

CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email          text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    display_name   text,
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('super_admin', 'org_admin', 'engineer', 'read_only')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    disabled_at    timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org_idx ON users (org_id);

-- The plain token is shown once and never stored: token_hash is its SHA-256.
CREATE TABLE enrolment_tokens (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    token_hint    text NOT NULL,
    auto_approve  boolean NOT NULL DEFAULT false,
    expires_at    timestamptz,
    max_uses      integer CHECK (max_uses IS NULL OR max_uses > 0),
    use_count     integer NOT NULL DEFAULT 0 CHECK (use_count >= 0),
    revoked_at    timestamptz,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (max_uses IS NULL OR use_count <= max_uses)
);
CREATE INDEX enrolment_tokens_org_idx ON enrolment_tokens (org_id, created_at DESC);

CREATE TABLE agents (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id                      uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    public_key                  text NOT NULL UNIQUE,
    status                      text NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'active', 'offline', 'revoked')),
    version                     text,
    enrolment_token_id          uuid REFERENCES enrolment_tokens (id) ON DELETE SET NULL,
    approved_at                 timestamptz,
    approved_by                 uuid REFERENCES users (id) ON DELETE SET NULL,
    client_cert_serial          text,
    client_cert_pem             text,
    client_cert_not_after       timestamptz,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_org_status_idx ON agents (org_id, status);

-- IPs as text for trigram search: an IMMUTABLE helper so it can feed a stored generated column.
CREATE FUNCTION ip_search_text(ips inet[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(array_to_string(ARRAY(SELECT host(ip) FROM unnest(ips) AS ip), ' '), '');

-- hosts takes one UPDATE per heartbeat. Its vitals (cpu/memory/disk, last_seen, uptime) are
-- deliberately NOT indexed, and the table keeps free space per page, so those updates stay HOT
-- (no index writes). Sorting a page by a vital is a top-N sort over the org's live hosts, which
-- stays in the tens of milliseconds at 100k hosts; the indexes below serve the filters, the
-- hostname order and the search, which would otherwise scan.
CREATE TABLE hosts (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id                      uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    agent_id                    uuid UNIQUE REFERENCES agents (id) ON DELETE SET NULL,
    hostname                    text NOT NULL CHECK (length(hostname) BETWEEN 1 AND 253),
    display_name                text,
    os                          text,
    os_version                  text,
    arch                        text,
    ip_addresses                inet[] NOT NULL DEFAULT '{}',
    ip_text                     text GENERATED ALWAYS AS (ip_search_text(ip_addresses)) STORED,
    cpu_percent                 real CHECK (cpu_percent BETWEEN 0 AND 100),
    memory_percent              real CHECK (memory_percent BETWEEN 0 AND 100),
    disk_percent                real CHECK (disk_percent BETWEEN 0 AND 100),
    uptime_seconds              bigint CHECK (uptime_seconds >= 0),
    heartbeat_interval_seconds  integer NOT NULL DEFAULT 30 CHECK (heartbeat_interval_seconds > 0),
    first_seen                  timestamptz NOT NULL DEFAULT now(),
    last_seen                   timestamptz,
    status                      text NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'online', 'offline', 'revoked', 'unknown')),
    deleted_at                  timestamptz,
    metadata                    jsonb NOT NULL DEFAULT '{}'
) WITH (fillfactor = 70);

-- Live hosts of an org, in hostname order (either direction: a B-tree scans backwards).
CREATE INDEX hosts_org_hostname_idx ON hosts (org_id, lower(hostname)) WHERE deleted_at IS NULL;
-- Status and OS filters, and the overview's GROUP BY os / status.
CREATE INDEX hosts_org_status_idx ON hosts (org_id, status) WHERE deleted_at IS NULL;
CREATE INDEX hosts_org_os_idx ON hosts (org_id, os, lower(hostname)) WHERE deleted_at IS NULL;
-- Free-text search: ILIKE '%term%' over hostname, display name and IPs.
CREATE INDEX hosts_hostname_trgm_idx ON hosts USING gin (hostname gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX hosts_display_name_trgm_idx ON hosts USING gin (display_name gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX hosts_ip_text_trgm_idx ON hosts USING gin (ip_text gin_trgm_ops) WHERE deleted_at IS NULL;
-- Duplicate-host protection: same hostname or overlapping IPs among an org's live hosts.
CREATE INDEX hosts_ip_addresses_idx ON hosts USING gin (ip_addresses) WHERE deleted_at IS NULL;

CREATE TABLE agent_status_history (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id  uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    status    text NOT NULL,
    reason    text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_status_history_agent_idx ON agent_status_history (agent_id, at DESC);

-- One row per host per sample, partitioned by UTC day; partitions are created ahead and old
-- ones dropped whole by the partition maintenance (metrics/MetricPartitions). The primary key is
-- what makes re-sent samples idempotent.
CREATE TABLE host_metrics (
    host_id               uuid NOT NULL,
    ts                    timestamptz NOT NULL,
    cpu_percent           real,
    memory_percent        real,
    disk_percent          real,
    net_rx_bytes_per_sec  bigint,
    net_tx_bytes_per_sec  bigint,
    PRIMARY KEY (host_id, ts)
) PARTITION BY RANGE (ts);
