-- Queries: a question to a host's agent answered at once with a list (its systemd services, its
-- listening ports), sent on the heartbeat stream of the ingest instance holding the agent. One row
-- per host and kind: the latest question, and the latest answer with when it came. A question is
-- waiting while answered_query_id differs from query_id.
CREATE TABLE host_queries (
    host_id           uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    type              text NOT NULL CHECK (type IN ('list_services', 'list_ports')),
    query_id          uuid NOT NULL,
    requested_at      timestamptz NOT NULL,
    -- when an ingest instance put it on the agent's stream; null while it waits for one
    sent_at           timestamptz,
    answered_query_id uuid,
    answered_at       timestamptz,
    status            text CHECK (status IN ('ok', 'error')),
    error             text CHECK (length(error) <= 4000),
    items             jsonb NOT NULL DEFAULT '[]'::jsonb,
    PRIMARY KEY (host_id, type)
);
-- what query dispatch looks at
CREATE INDEX host_queries_unsent_idx ON host_queries (requested_at) WHERE sent_at IS NULL;

-- at most one agent uninstall under way per host
CREATE UNIQUE INDEX tasks_one_uninstall_idx ON tasks (host_id)
    WHERE type = 'agent_uninstall' AND state IN ('queued', 'dispatched', 'running');
