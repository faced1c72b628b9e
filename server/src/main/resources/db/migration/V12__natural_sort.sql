-- Names sort as people read them: digits inside a name compare as numbers, so web-2 comes before
-- web-10 (plain text order puts -0, -1, -10, -100 together). An ICU collation with numeric
-- ordering does it inside PostgreSQL, so the host list still reads one page from an index. It is
-- deterministic (equal only when the bytes are equal), which keeps these indexes usable for the
-- equality lookups too; lower() stays so that case never decides the order.
-- It needs a PostgreSQL built with ICU: the embedded one is, as are the usual distribution builds.
CREATE COLLATION ctops_natural (provider = icu, locale = 'und-u-kn-true');

-- the host list's orders that use the hostname (HostListQuery.orderBy)
DROP INDEX hosts_org_hostname_idx;
CREATE INDEX hosts_org_hostname_idx ON hosts (org_id, (lower(hostname) COLLATE ctops_natural), id)
    WHERE deleted_at IS NULL;
DROP INDEX hosts_org_os_asc_idx;
CREATE INDEX hosts_org_os_asc_idx
    ON hosts (org_id, os ASC NULLS LAST, (lower(hostname) COLLATE ctops_natural), id)
    WHERE deleted_at IS NULL;
DROP INDEX hosts_org_os_desc_idx;
CREATE INDEX hosts_org_os_desc_idx
    ON hosts (org_id, os DESC NULLS LAST, (lower(hostname) COLLATE ctops_natural) DESC, id DESC)
    WHERE deleted_at IS NULL;
DROP INDEX hosts_org_status_hostname_idx;
CREATE INDEX hosts_org_status_hostname_idx
    ON hosts (org_id, status, (lower(hostname) COLLATE ctops_natural), id)
    WHERE deleted_at IS NULL;
DROP INDEX hosts_org_status_rank_idx;
CREATE INDEX hosts_org_status_rank_idx ON hosts (org_id,
    (CASE status WHEN 'online' THEN 0 WHEN 'offline' THEN 1 WHEN 'unknown' THEN 2
                 WHEN 'pending' THEN 3 ELSE 4 END), (lower(hostname) COLLATE ctops_natural), id)
    WHERE deleted_at IS NULL;
