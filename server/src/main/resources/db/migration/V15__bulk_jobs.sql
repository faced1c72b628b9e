-- Bulk actions on hosts (groups/bulk in the server): one row per request, worked through by the web
-- role's runner a chunk at a time.

-- The hosts are resolved when the job is requested (the checked ids, or everything the list's
-- filters matched then) and kept until it ends; `done` counts those processed, in order, so a job
-- taken over from a stopped instance goes on where it stood. `claim` names the runner that holds
-- it and `claimed_until` when that claim lapses unless its runner renews it (after every chunk).
CREATE TABLE bulk_jobs (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id             uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    requester_kind     text NOT NULL CHECK (requester_kind IN ('user', 'api_key')),
    requester_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    requester_name     text NOT NULL,
    api_key_id         uuid,
    api_key_name       text,
    requester_address  text,
    action             text NOT NULL CHECK (action IN ('tag', 'untag', 'add_to_group',
                                                       'remove_from_group', 'rescan', 'delete')),
    parameters         jsonb NOT NULL DEFAULT '{}',
    host_ids           uuid[] NOT NULL,
    state              text NOT NULL DEFAULT 'queued'
                           CHECK (state IN ('queued', 'running', 'done', 'failed')),
    total              integer NOT NULL CHECK (total BETWEEN 1 AND 100000),
    done               integer NOT NULL DEFAULT 0 CHECK (done BETWEEN 0 AND total),
    changed            integer NOT NULL DEFAULT 0 CHECK (changed BETWEEN 0 AND done),
    error              text,
    claim              uuid,
    claimed_until      timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz
);

-- The runners' question, "what is waiting or abandoned", reads only unfinished jobs.
CREATE INDEX bulk_jobs_unfinished_idx ON bulk_jobs (created_at) WHERE state IN ('queued', 'running');
CREATE INDEX bulk_jobs_org_idx ON bulk_jobs (org_id, created_at);

-- A bulk job changes up to 1,000 hosts per statement; the row trigger of V13__groups.sql would
-- then evaluate every dynamic group's rule once per host, with two statements per host. A
-- transaction that says so (SET LOCAL ctops.group_members_by_statement = 'on') skips it and brings
-- the dynamic groups' members up to date itself with two set-based statements over the hosts it
-- changed (groups/bulk/DynamicMembers). Same columns as V13's trigger; only the condition is added.
DROP TRIGGER hosts_follow_groups ON hosts;
CREATE TRIGGER hosts_follow_groups AFTER UPDATE ON hosts
    FOR EACH ROW
    WHEN ((OLD.hostname IS DISTINCT FROM NEW.hostname
           OR OLD.os IS DISTINCT FROM NEW.os
           OR OLD.ip_addresses IS DISTINCT FROM NEW.ip_addresses
           OR OLD.status IS DISTINCT FROM NEW.status
           OR OLD.tag_terms IS DISTINCT FROM NEW.tag_terms
           OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
          AND current_setting('ctops.group_members_by_statement', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION host_groups_follow_host();
