-- The web app: browser sessions, personal API keys, and what the host list sorts and filters on.

-- A session is known by the SHA-256 of its cookie value; the cookie itself is never stored.
CREATE TABLE web_sessions (
    token_hash      bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_active_at  timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
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

-- Hostname order in both directions (NULLs cannot occur: hostname is NOT NULL); the volatile
-- vitals columns (cpu, memory, disk, last_seen) are deliberately not indexed: every heartbeat
-- batch rewrites them, and an index on them would end HOT updates for the whole fleet.
CREATE INDEX hosts_org_deleted_idx ON hosts (org_id, deleted_at) WHERE deleted_at IS NOT NULL;
