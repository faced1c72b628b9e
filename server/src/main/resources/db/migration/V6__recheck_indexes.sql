-- The heartbeat service's recheck asks every few seconds which agents were revoked, or had their
-- host deleted, since it last looked: two small partial indexes answer it without a scan.
CREATE INDEX agents_revoked_idx ON agents (updated_at) WHERE status = 'revoked';
CREATE INDEX hosts_deleted_at_idx ON hosts (deleted_at) WHERE deleted_at IS NOT NULL;
