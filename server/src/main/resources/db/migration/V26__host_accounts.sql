-- Accounts on hosts (accounts/): what service_account and ssh_key_scan checks report, from either
-- agent. The latest result of such a check replaces what that host had from it: rows it no longer
-- lists are marked removed (removed_at), rows it lists again are cleared of it; first_seen is never
-- overwritten (the software inventory's rule).
CREATE TABLE host_accounts (
    host_id                uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    username               text NOT NULL CHECK (length(username) BETWEEN 1 AND 256),
    check_id               uuid REFERENCES checks (id) ON DELETE SET NULL,
    uid                    bigint,
    gid                    bigint,
    home                   text NOT NULL DEFAULT '',
    shell                  text NOT NULL DEFAULT '',
    -- human: a uid in the check's range with a login shell; service: in the range without one;
    -- system: outside it ('' when the agent did not say)
    account_type           text NOT NULL DEFAULT '' CHECK (account_type IN ('human', 'service',
                                                                            'system', '')),
    can_log_in             boolean NOT NULL DEFAULT false,
    has_running_processes  boolean,
    -- NULL: unknown (the shadow file was not readable by the agent)
    locked                 boolean,
    password_set           boolean,
    password_last_changed  timestamptz,
    password_expires_at    timestamptz,
    account_expires_at     timestamptz,
    privileged             boolean NOT NULL DEFAULT false,
    privileged_by          text[] NOT NULL DEFAULT '{}',
    groups                 text[] NOT NULL DEFAULT '{}',
    last_login_at          timestamptz,
    is_domain              boolean NOT NULL DEFAULT false,
    first_seen             timestamptz NOT NULL,
    last_seen              timestamptz NOT NULL,
    removed_at             timestamptz,
    PRIMARY KEY (host_id, username)
);

-- the fleet page: "where can alice log in?" and "who is privileged?"
CREATE INDEX host_accounts_username ON host_accounts (lower(username));
CREATE INDEX host_accounts_privileged ON host_accounts (host_id) WHERE privileged
    AND removed_at IS NULL;

-- SSH public keys on hosts: authorized_keys of each user (and keys under a check's scan paths).
-- The key itself is never stored, only what identifies it.
CREATE TABLE host_ssh_keys (
    host_id          uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    file_path        text NOT NULL CHECK (length(file_path) BETWEEN 1 AND 4096),
    -- as ssh-keygen -l prints it: SHA256: and the unpadded base64 of the digest
    fingerprint      text NOT NULL CHECK (fingerprint ~ '^SHA256:[A-Za-z0-9+/]{43}$'),
    username         text NOT NULL DEFAULT '',
    check_id         uuid REFERENCES checks (id) ON DELETE SET NULL,
    key_type         text NOT NULL DEFAULT '',
    bits             integer,
    comment          text NOT NULL DEFAULT '',
    key_source       text NOT NULL DEFAULT '',
    key_age_seconds  bigint,
    first_seen       timestamptz NOT NULL,
    last_seen        timestamptz NOT NULL,
    removed_at       timestamptz,
    PRIMARY KEY (host_id, file_path, fingerprint)
);

CREATE INDEX host_ssh_keys_fingerprint ON host_ssh_keys (fingerprint);
CREATE INDEX host_ssh_keys_user ON host_ssh_keys (host_id, username) WHERE removed_at IS NULL;

-- The latest report of each such check on each host: when, its counts and the agent's notes
-- ("shadow not readable by the agent: ...").
CREATE TABLE host_account_reports (
    host_id      uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    check_id     uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('accounts', 'keys')),
    reported_at  timestamptz NOT NULL,
    listed       integer NOT NULL,
    total        integer NOT NULL,
    omitted      integer NOT NULL,
    skipped      integer NOT NULL,
    notes        text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (host_id, check_id)
);

-- Every organisation reads its hosts' accounts and SSH keys every 6 hours unless an admin changes
-- or deletes these checks: the organisations that exist get them here, each new one when it is
-- created (orgs/Organisations calls this function in the creating transaction). A name an admin
-- already uses is left alone. Returns how many it added.
CREATE FUNCTION add_default_account_checks(org uuid) RETURNS integer
LANGUAGE sql AS $$
    WITH added AS (
    INSERT INTO checks (org_id, name, check_type, config, interval_seconds, selector)
    VALUES (org, 'Accounts', 'service_account',
            '{"min_human_uid": 1000, "max_human_uid": 60000, "timeout_seconds": 120}',
            21600, '{"kind": "all"}'),
           (org, 'SSH keys', 'ssh_key_scan',
            '{"scan_paths": [], "skip_paths": [], "timeout_seconds": 120}',
            21600, '{"kind": "all"}')
    ON CONFLICT (org_id, name) DO NOTHING
    RETURNING 1)
    SELECT CAST(count(*) AS integer) FROM added;
$$;

SELECT add_default_account_checks(id) FROM organisations;
