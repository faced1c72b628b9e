-- Certificates on hosts (certificates/): what our agent's discovery found in files and on TLS
-- services (a scan replaces the host's previous one whole), and what certificate and cert_file
-- checks read (any agent; replaced per check with each result). One row per certificate per place.
CREATE TABLE host_certificates (
    host_id              uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    source               text NOT NULL CHECK (source IN ('file', 'tls', 'check')),
    location             text NOT NULL CHECK (length(location) BETWEEN 1 AND 4096),
    fingerprint          text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    -- 0: the certificate of the place itself; 1: the one that signed it; ...
    chain_position       integer NOT NULL DEFAULT 0 CHECK (chain_position BETWEEN 0 AND 100),
    subject              text NOT NULL,
    issuer               text NOT NULL,
    sans                 text[] NOT NULL DEFAULT '{}',
    serial_number        text NOT NULL DEFAULT '',
    not_before           timestamptz,
    not_after            timestamptz NOT NULL,
    key_algorithm        text NOT NULL DEFAULT '',
    key_size_bits        integer,
    signature_algorithm  text NOT NULL DEFAULT '',
    is_self_signed       boolean NOT NULL DEFAULT false,
    private_key          text CHECK (private_key IN ('matches', 'does_not_match', 'not_found',
                                                     'unreadable')),
    check_id             uuid REFERENCES checks (id) ON DELETE CASCADE,
    seen_at              timestamptz NOT NULL,
    PRIMARY KEY (host_id, source, location, fingerprint)
);

-- the fleet page (by expiry, de-duplicated by fingerprint) and the expiry alert
CREATE INDEX host_certificates_not_after ON host_certificates (not_after);
CREATE INDEX host_certificates_fingerprint ON host_certificates (fingerprint);
CREATE INDEX host_certificates_check ON host_certificates (check_id) WHERE check_id IS NOT NULL;

-- The last discovery scan of each host: when, and what it counted.
CREATE TABLE certificate_scans (
    host_id                     uuid PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    scan_id                     uuid NOT NULL,
    completed_at                timestamptz NOT NULL,
    certificates                integer NOT NULL,
    files_scanned               integer NOT NULL,
    files_skipped               integer NOT NULL,
    services_probed             integer NOT NULL,
    services_with_certificates  integer NOT NULL,
    truncated                   boolean NOT NULL
);

-- A certificate expiring within this many days shows as expiring (default 30).
ALTER TABLE organisations ADD COLUMN certificate_expiring_days integer NOT NULL DEFAULT 30
    CHECK (certificate_expiring_days BETWEEN 1 AND 365);
