-- A host's live vitals move out of hosts into a narrow table of their own.
--
-- Every heartbeat rewrites a host's vitals. While they lived in hosts, each of those updates
-- rewrote the whole row and, because the host list's sort and hotspot indexes cover the vitals,
-- added entries to all 21 of hosts' indexes, three trigram GIN indexes and the GIN index on IP
-- addresses among them: at 65,000 agents one flush of vitals took minutes. Here an update touches
-- a row of about 100 bytes and five B-tree indexes (the key and one sort index per vital, and a
-- hotspot index when the host is hot), and
-- hosts is only written when something about the host itself changes (status, names, addresses).
CREATE TABLE host_vitals (
    host_id                     uuid PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    -- a copy of hosts.org_id (which never changes), so the sort indexes can lead with it
    org_id                      uuid NOT NULL,
    -- a copy of hosts.status, or 'deleted' (kept by the triggers below), for the overview's
    -- hotspot and stale counts
    host_status                 text NOT NULL DEFAULT 'pending',
    cpu_percent                 real CHECK (cpu_percent BETWEEN 0 AND 100),
    memory_percent              real CHECK (memory_percent BETWEEN 0 AND 100),
    disk_percent                real CHECK (disk_percent BETWEEN 0 AND 100),
    uptime_seconds              bigint CHECK (uptime_seconds >= 0),
    heartbeat_interval_seconds  integer NOT NULL DEFAULT 30 CHECK (heartbeat_interval_seconds > 0),
    last_seen                   timestamptz
);

-- Every host has its vitals row from the moment it exists (empty until its first heartbeat), so
-- readers join, and the host list can walk a vital's index in order and look each host up.
CREATE FUNCTION host_vitals_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO host_vitals (host_id, org_id, host_status)
    VALUES (NEW.id, NEW.org_id,
            CASE WHEN NEW.deleted_at IS NULL THEN NEW.status ELSE 'deleted' END);
    RETURN NULL;
END
$$;
CREATE TRIGGER hosts_vitals_row AFTER INSERT ON hosts
    FOR EACH ROW EXECUTE FUNCTION host_vitals_row();

-- Status changes are rare next to heartbeats; each one copies itself here.
CREATE FUNCTION host_vitals_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE host_vitals
       SET host_status = CASE WHEN NEW.deleted_at IS NULL THEN NEW.status ELSE 'deleted' END
     WHERE host_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER hosts_vitals_status AFTER UPDATE OF status, deleted_at ON hosts
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION host_vitals_status();

-- Hosts that registered before this migration keep what they last reported. (The trigger is
-- created first, but only fires for new rows.)
INSERT INTO host_vitals (host_id, org_id, host_status, cpu_percent, memory_percent, disk_percent,
                         uptime_seconds, heartbeat_interval_seconds, last_seen)
SELECT id, org_id, CASE WHEN deleted_at IS NULL THEN status ELSE 'deleted' END, cpu_percent,
       memory_percent, disk_percent, uptime_seconds, heartbeat_interval_seconds, last_seen
  FROM hosts;

-- The host list's order by a vital (HostListQuery): ascending, NULLs last; the descending order
-- reads it backwards. Deleted hosts keep their row (the list of deleted hosts can be sorted too);
-- the join to hosts filters them.
CREATE INDEX host_vitals_org_cpu_idx ON host_vitals (org_id, cpu_percent, host_id);
CREATE INDEX host_vitals_org_memory_idx ON host_vitals (org_id, memory_percent, host_id);
CREATE INDEX host_vitals_org_disk_idx ON host_vitals (org_id, disk_percent, host_id);
CREATE INDEX host_vitals_org_last_seen_idx ON host_vitals (org_id, last_seen, host_id);
-- the overview's hotspots: only hot online hosts have entries, so counting them reads only them
CREATE INDEX host_vitals_org_cpu_hot_idx ON host_vitals (org_id)
    WHERE host_status = 'online' AND cpu_percent >= 80;
CREATE INDEX host_vitals_org_memory_hot_idx ON host_vitals (org_id)
    WHERE host_status = 'online' AND memory_percent >= 80;
CREATE INDEX host_vitals_org_disk_hot_idx ON host_vitals (org_id)
    WHERE host_status = 'online' AND disk_percent >= 80;

-- When the stream that owns the host opened: until its first vitals are written, the stale-host
-- sweeper counts from here (written with the status, so opening a stream never waits for the
-- vitals flush's row locks).
ALTER TABLE hosts ADD COLUMN stream_opened_at timestamptz;

-- What hosts no longer needs: the vitals, their sort and hotspot indexes, and the index the
-- stale-host sweeper read (it now reads host_vitals, which is small enough to scan).
DROP INDEX hosts_org_cpu_idx;
DROP INDEX hosts_org_memory_idx;
DROP INDEX hosts_org_disk_idx;
DROP INDEX hosts_org_last_seen_idx;
DROP INDEX hosts_org_cpu_hot_idx;
DROP INDEX hosts_org_memory_hot_idx;
DROP INDEX hosts_org_disk_hot_idx;
DROP INDEX hosts_online_last_seen_idx;
ALTER TABLE hosts
    DROP COLUMN cpu_percent,
    DROP COLUMN memory_percent,
    DROP COLUMN disk_percent,
    DROP COLUMN uptime_seconds,
    DROP COLUMN heartbeat_interval_seconds,
    DROP COLUMN last_seen;

-- A token's uses, counted without one hot row. Every registration used to add one to
-- enrolment_tokens.use_count and so held the token's row until its commit was on disk: a fleet
-- rolling out with one token registered one agent per WAL flush (~100 per second here). A token
-- without a use limit now counts into one of 16 rows chosen at random; its use count is
-- use_count plus their sum. A token with a limit still counts on its own row, atomically with
-- the check, so the limit holds exactly.
CREATE TABLE enrolment_token_uses (
    token_id  uuid NOT NULL REFERENCES enrolment_tokens (id) ON DELETE CASCADE,
    slot      smallint NOT NULL CHECK (slot BETWEEN 0 AND 15),
    uses      integer NOT NULL CHECK (uses > 0),
    PRIMARY KEY (token_id, slot)
);
