-- Software inventory: one row per scan, and the packages each host has (or had).

CREATE TABLE software_scans (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    host_id        uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    status         text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    source         text,
    package_count  integer CHECK (package_count >= 0),
    error          text,
    queued_at      timestamptz NOT NULL DEFAULT now(),
    -- when an ingest instance pushed the scan to the agent (pending_task of a heartbeat answer)
    dispatched_at  timestamptz,
    started_at     timestamptz,
    finished_at    timestamptz
);
-- a host never has two scans under way
CREATE UNIQUE INDEX software_scans_one_active_idx ON software_scans (host_id)
    WHERE status IN ('queued', 'running');
CREATE INDEX software_scans_host_idx ON software_scans (host_id, queued_at DESC);
CREATE INDEX software_scans_undispatched_idx ON software_scans (queued_at)
    WHERE status = 'queued' AND dispatched_at IS NULL;

-- How often each host's software is scanned without being asked (admins change it).
ALTER TABLE organisations ADD COLUMN inventory_scan_interval_hours integer NOT NULL DEFAULT 24
    CHECK (inventory_scan_interval_hours BETWEEN 1 AND 8760);

-- Keyed by what identifies an installed package on a host. first_seen is never overwritten;
-- removed_at is set when a completed scan no longer lists it and cleared when it comes back.
CREATE TABLE software_packages (
    host_id       uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    org_id        uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 1024),
    version       text NOT NULL CHECK (length(version) <= 1024),
    architecture  text NOT NULL CHECK (length(architecture) <= 1024),
    source        text NOT NULL CHECK (length(source) BETWEEN 1 AND 32),
    publisher     text NOT NULL DEFAULT '' CHECK (length(publisher) <= 1024),
    installed_at  timestamptz,
    first_seen    timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    removed_at    timestamptz,
    PRIMARY KEY (host_id, name, version, architecture, source)
);
CREATE INDEX software_packages_org_name_idx ON software_packages (org_id, lower(name))
    WHERE removed_at IS NULL;
