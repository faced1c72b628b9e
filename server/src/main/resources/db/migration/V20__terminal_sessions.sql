-- Terminal sessions: a user's shell on a host through its agent. The web instance holding the
-- browser creates the row (a single-use ticket for the page's WebSocket, and at each attach a relay
-- token for the web instance, both kept as SHA-256); the ingest instance holding the
-- agent's heartbeat stream claims it, writing where the web instance reaches it (address and TLS
-- certificate), and announces it to the agent. Terminal bytes never pass through here: only this
-- rendezvous, the outcome and the recording.
CREATE TABLE terminal_sessions (
    id                uuid PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    host_id           uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    user_id           uuid REFERENCES users (id) ON DELETE SET NULL,
    user_name         text NOT NULL CHECK (length(user_name) <= 320),
    client_address    text,
    -- the relay token of the web instance serving the browser now (replaced at each attach)
    token_sha256      bytea,
    -- the single-use ticket the page gets to open its WebSocket (attach or re-attach)
    ticket_sha256     bytea,
    ticket_expires_at timestamptz,
    cols              integer NOT NULL CHECK (cols BETWEEN 1 AND 1000),
    rows              integer NOT NULL CHECK (rows BETWEEN 1 AND 1000),
    state             text NOT NULL DEFAULT 'requested'
                          CHECK (state IN ('requested', 'claimed', 'open', 'ended')),
    requested_at      timestamptz NOT NULL,
    -- the ingest instance that holds the agent's side
    claimed_at        timestamptz,
    relay_address     text,
    relay_certificate text,
    opened_at         timestamptz,
    ended_at          timestamptz,
    exit_code         integer,
    end_reason        text CHECK (length(end_reason) <= 1000),
    bytes_in          bigint NOT NULL DEFAULT 0,
    bytes_out         bigint NOT NULL DEFAULT 0
);
CREATE INDEX terminal_sessions_host_idx ON terminal_sessions (host_id, requested_at DESC);
CREATE INDEX terminal_sessions_live_idx ON terminal_sessions (requested_at) WHERE state <> 'ended';

-- Recordings: a session's output only (never its input, so typed passwords are not kept), as
-- asciicast v2 event lines ([seconds, "o", text]) in deflate-compressed chunks, written by the
-- ingest instance that holds the session. At most TERMINAL_RECORDING_MAX_MIB of output per session;
-- kept TERMINAL_RECORDING_RETENTION_DAYS after the session ended. An organisation may turn them off.
ALTER TABLE organisations ADD COLUMN terminal_recording boolean NOT NULL DEFAULT true;
ALTER TABLE terminal_sessions
    ADD COLUMN recorded boolean NOT NULL DEFAULT true,
    ADD COLUMN recorded_bytes bigint NOT NULL DEFAULT 0,
    ADD COLUMN recording_truncated boolean NOT NULL DEFAULT false;
CREATE TABLE terminal_recordings (
    session_id uuid NOT NULL REFERENCES terminal_sessions (id) ON DELETE CASCADE,
    seq        integer NOT NULL,
    events     bytea NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE INDEX terminal_sessions_ended_idx ON terminal_sessions (ended_at) WHERE recorded_bytes > 0;
