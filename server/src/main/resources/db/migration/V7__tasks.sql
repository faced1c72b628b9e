-- Tasks: anything an operator (or the server itself) asks one host's agent to do. A task is
-- queued, dispatched on a heartbeat answer of the ingest instance holding the agent's stream,
-- running once the agent reports progress, and ends succeeded, failed, cancelled or timed_out.
CREATE TABLE tasks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id           uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    host_id          uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    type             text NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
    parameters       jsonb NOT NULL DEFAULT '{}'::jsonb,
    requested_by     text NOT NULL CHECK (requested_by IN ('user', 'api_key', 'system')),
    requested_by_user uuid REFERENCES users (id) ON DELETE SET NULL,
    requester_name   text NOT NULL DEFAULT '' CHECK (length(requester_name) <= 320),
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'dispatched',
                         'running', 'succeeded', 'failed', 'cancelled', 'timed_out')),
    -- the tail of what the agent printed, at most 64 KiB
    output           text NOT NULL DEFAULT '',
    output_truncated boolean NOT NULL DEFAULT false,
    exit_code        integer,
    result           jsonb,
    error            text CHECK (length(error) <= 4000),
    timeout_seconds  integer NOT NULL CHECK (timeout_seconds > 0),
    queued_at        timestamptz NOT NULL DEFAULT now(),
    dispatched_at    timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz,
    -- a cancelled task the agent already had: when an ingest instance told it to stop
    cancel_sent_at   timestamptz
);
-- the dispatch queue, oldest first
CREATE INDEX tasks_queued_idx ON tasks (queued_at, id) WHERE state = 'queued';
-- what the timeout sweep looks at
CREATE INDEX tasks_active_idx ON tasks (coalesce(dispatched_at, queued_at))
    WHERE state IN ('queued', 'dispatched', 'running');
-- cancellations still to be told to agents
CREATE INDEX tasks_cancel_unsent_idx ON tasks (finished_at)
    WHERE state IN ('cancelled', 'timed_out') AND dispatched_at IS NOT NULL
      AND cancel_sent_at IS NULL;
CREATE INDEX tasks_host_idx ON tasks (host_id, queued_at DESC);

-- Software scans under way when this version was installed continue as tasks (same id: the
-- agent uploads its packages under the task's id).
INSERT INTO tasks (id, org_id, host_id, type, requested_by, state, timeout_seconds, queued_at,
                   dispatched_at, started_at)
SELECT id, org_id, host_id, 'software_inventory_scan', 'system',
       CASE WHEN status = 'running' THEN 'running'
            WHEN dispatched_at IS NOT NULL THEN 'dispatched'
            ELSE 'queued' END,
       1800, queued_at, dispatched_at, started_at
  FROM software_scans WHERE status IN ('queued', 'running');
-- scans are dispatched through tasks now
DROP INDEX software_scans_undispatched_idx;
