-- The web app: browser sessions, personal API keys, and what the host list sorts and filters on.

-- A session is known by the SHA-256 of its cookie value; the cookie itself is never stored.
CREATE TABLE web_sessions (
    token_hash      bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_active_at  timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    -- the organisation a super admin chose to work in; NULL: their own
    org_id          uuid REFERENCES organisations (id) ON DELETE SET NULL
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);

-- Personal API keys (Authorization: Bearer). Only the hash is kept; the hint is the last 4 chars.
CREATE TABLE api_keys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    key_hash      bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    key_hint      text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at DESC);

ALTER TABLE hosts ADD COLUMN deleted_by uuid REFERENCES users (id) ON DELETE SET NULL;

-- Indexes matching the host list's ORDER BY (HostListQuery.orderBy), each ending in id (the
-- tie-breaker), so that every sort reads one page from an index instead of sorting the fleet.
-- hostname and the status rank are never NULL: one index serves both directions. OS is nullable
-- and rarely changes: one index per direction keeps NULLs last both ways. The vitals (cpu, memory,
-- disk, last_seen) change with every heartbeat: one index each (ascending, NULLs last); the
-- descending order reads it backwards for the non-NULL rows and appends the NULL rows (see
-- HostListQuery). Heartbeat updates were not HOT before these (hosts_online_last_seen_idx indexes
-- last_seen), so they add index entries, not a change of update kind.
DROP INDEX hosts_org_hostname_idx;
CREATE INDEX hosts_org_hostname_idx ON hosts (org_id, lower(hostname), id) WHERE deleted_at IS NULL;
DROP INDEX hosts_org_os_idx;
CREATE INDEX hosts_org_os_asc_idx ON hosts (org_id, os ASC NULLS LAST, lower(hostname), id)
    WHERE deleted_at IS NULL;
CREATE INDEX hosts_org_os_desc_idx ON hosts (org_id, os DESC NULLS LAST, lower(hostname) DESC, id DESC)
    WHERE deleted_at IS NULL;
-- narrow on purpose: counting the fleet (the list's total, the overview) is an index-only scan
DROP INDEX hosts_org_status_idx;
CREATE INDEX hosts_org_status_idx ON hosts (org_id, status, os) WHERE deleted_at IS NULL;
-- a status filter shown in hostname order (the default order) reads this one
CREATE INDEX hosts_org_status_hostname_idx ON hosts (org_id, status, lower(hostname), id)
    WHERE deleted_at IS NULL;
CREATE INDEX hosts_org_status_rank_idx ON hosts (org_id,
    (CASE status WHEN 'online' THEN 0 WHEN 'offline' THEN 1 WHEN 'unknown' THEN 2
                 WHEN 'pending' THEN 3 ELSE 4 END), lower(hostname), id)
    WHERE deleted_at IS NULL;
CREATE INDEX hosts_org_cpu_idx ON hosts (org_id, cpu_percent, id) WHERE deleted_at IS NULL;
CREATE INDEX hosts_org_memory_idx ON hosts (org_id, memory_percent, id) WHERE deleted_at IS NULL;
CREATE INDEX hosts_org_disk_idx ON hosts (org_id, disk_percent, id) WHERE deleted_at IS NULL;
CREATE INDEX hosts_org_last_seen_idx ON hosts (org_id, last_seen, id) WHERE deleted_at IS NULL;
-- the overview's hotspots: only hot online hosts have entries, so counting them reads only them
CREATE INDEX hosts_org_cpu_hot_idx ON hosts (org_id)
    WHERE deleted_at IS NULL AND status = 'online' AND cpu_percent >= 80;
CREATE INDEX hosts_org_memory_hot_idx ON hosts (org_id)
    WHERE deleted_at IS NULL AND status = 'online' AND memory_percent >= 80;
CREATE INDEX hosts_org_disk_hot_idx ON hosts (org_id)
    WHERE deleted_at IS NULL AND status = 'online' AND disk_percent >= 80;
CREATE INDEX hosts_org_deleted_idx ON hosts (org_id, deleted_at) WHERE deleted_at IS NOT NULL;
