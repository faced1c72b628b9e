-- Ingest: the agent CA, CSRs awaiting approval, and which ingest stream owns a host.

-- The CA that signs agents' client certificates. One row; its private key is encrypted (AES-GCM)
-- with a key-encryption key kept in a file beside the JWT key, never in the database.
CREATE TABLE agent_ca (
    id                     smallint PRIMARY KEY CHECK (id = 1),
    certificate_pem        text NOT NULL,
    private_key_encrypted  bytea NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now()
);

-- The CSR an agent sent while pending: signed once an admin approves it.
ALTER TABLE agents ADD COLUMN csr_der bytea;

-- The heartbeat stream that last brought the host online. A closing stream marks the host offline
-- only while it still owns it, so a reconnect through another ingest instance is never undone.
ALTER TABLE hosts ADD COLUMN stream_id uuid;

CREATE INDEX hosts_online_last_seen_idx ON hosts (last_seen) WHERE status = 'online';
