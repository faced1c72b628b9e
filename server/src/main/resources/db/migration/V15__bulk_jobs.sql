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
