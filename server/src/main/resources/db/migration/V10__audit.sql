-- The audit log: one row per operator action, or attempted action that reached the product's
-- rules (audit/AuditLog). No foreign keys: an entry outlives the user, host, token or organisation
-- it names, and its names are copied as they were at the time. Append-only: the trigger refuses
-- every UPDATE, and the only DELETE in the product is the retention purge (audit/AuditRetention).
CREATE TABLE audit_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    org_id         uuid,            -- null: no organisation (a sign-in with an unknown email)
    actor_kind     text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
    actor_user_id  uuid,
    actor_name     text NOT NULL,   -- the user's email, or which part of the system acted
    api_key_id     uuid,
    api_key_name   text,
    action         text NOT NULL,
    target_type    text,
    target_id      text,
    target_label   text,
    target_host_id uuid,            -- set whenever the target is or belongs to a host
    parameters     jsonb NOT NULL DEFAULT '{}',
    outcome        text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
    reason         text,
    source_address text
);

-- the Audit page's filters, each within an organisation and newest first
CREATE INDEX audit_entries_org_at_idx ON audit_entries (org_id, at DESC, id DESC);
CREATE INDEX audit_entries_org_actor_idx ON audit_entries (org_id, lower(actor_name), at DESC);
CREATE INDEX audit_entries_org_action_idx ON audit_entries (org_id, action, at DESC);
CREATE INDEX audit_entries_host_idx ON audit_entries (target_host_id, at DESC)
    WHERE target_host_id IS NOT NULL;
-- the retention purge and a super admin's view of every organisation
CREATE INDEX audit_entries_at_idx ON audit_entries (at DESC, id DESC);

CREATE FUNCTION audit_entries_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be changed';
END;
$$;

CREATE TRIGGER audit_entries_append_only BEFORE UPDATE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_update();
