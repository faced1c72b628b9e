-- Tags, host groups and access scoped to groups (groups/ in the server).

-- Tags set by operators, key -> value with the case as typed (a bare tag has the value ''). The
-- agent's own stay in metadata->'tags', replaced whenever the agent registers again.
ALTER TABLE hosts ADD COLUMN operator_tags jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(operator_tags) = 'object');

-- The tags a host has, lower-cased, as filter terms: "key" for every tag and "key:value" for a tag
-- with a value. An operator's tag replaces the agent's tag with the same key (compared without
-- case). Tag filters and dynamic groups are "terms @> wanted", which a GIN index answers.
CREATE FUNCTION host_tag_terms(agent jsonb, operator jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY(
        SELECT DISTINCT term
          FROM (SELECT lower(o.key) AS k, lower(o.value) AS v
                  FROM jsonb_each_text(operator) o
                UNION ALL
                SELECT lower(a.key), lower(a.value)
                  FROM jsonb_each_text(CASE WHEN jsonb_typeof(agent) = 'object'
                                            THEN agent ELSE '{}' END) a
                 WHERE NOT EXISTS (SELECT 1 FROM jsonb_object_keys(operator) ok
                                    WHERE lower(ok) = lower(a.key))) t,
               LATERAL (VALUES (t.k), (CASE WHEN t.v <> '' THEN t.k || ':' || t.v END)) x(term)
         WHERE term IS NOT NULL
         ORDER BY term);

-- The host list's search matches tag values too. (array_to_string is only STABLE in general; over
-- text it does not depend on any setting.)
CREATE FUNCTION host_tag_text(agent jsonb, operator jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_to_string(host_tag_terms(agent, operator), ' ');

-- A host's tag terms and search text, kept by the triggers below from hosts.metadata->'tags' and
-- hosts.operator_tags. A table of its own rather than indexed columns of hosts: hosts carries
-- twenty indexes, and tagging 10,000 hosts would rewrite every one of them for each host (seconds)
-- instead of leaving the hosts rows' updates HOT and touching only these two indexes.
CREATE TABLE host_tags (
    host_id  uuid PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    terms    text[] NOT NULL,
    search   text NOT NULL
);
CREATE INDEX host_tags_terms_idx ON host_tags USING gin (terms);
CREATE INDEX host_tags_search_trgm_idx ON host_tags USING gin (search gin_trgm_ops);
INSERT INTO host_tags (host_id, terms, search)
SELECT id, host_tag_terms(metadata->'tags', operator_tags), host_tag_text(metadata->'tags', operator_tags)
  FROM hosts;

-- A group's members are picked by hand (static) or are the live hosts matching its rule now
-- (dynamic): every condition given must hold. rule_hostname is the pattern as written ('*' any
-- run of characters); rule_hostname_like its lower-cased LIKE form.
CREATE TABLE host_groups (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id              uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    dynamic             boolean NOT NULL,
    rule_tags           text[] NOT NULL DEFAULT '{}',
    rule_os             text,
    rule_hostname       text,
    rule_hostname_like  text,
    rule_cidr           cidr,
    rule_status         text CHECK (rule_status IN ('online', 'offline', 'unknown', 'pending', 'revoked')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    created_by          uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((rule_hostname IS NULL) = (rule_hostname_like IS NULL)),
    CHECK (dynamic = (cardinality(rule_tags) > 0 OR rule_os IS NOT NULL OR rule_hostname IS NOT NULL
                      OR rule_cidr IS NOT NULL OR rule_status IS NOT NULL))
);
CREATE UNIQUE INDEX host_groups_name_key ON host_groups (org_id, lower(name));

-- Members of both kinds: static ones as operators add them, dynamic ones kept by the triggers
-- below (a host that changes) and by HostGroups (a rule that changes). Access scoping and the host
-- selector read this table alone, so a scoped host list is an index lookup, not a rule evaluation.
CREATE TABLE host_group_members (
    group_id  uuid NOT NULL REFERENCES host_groups (id) ON DELETE CASCADE,
    host_id   uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, host_id)
);
CREATE INDEX host_group_members_host_idx ON host_group_members (host_id);

-- Whether a host matches a dynamic rule: the one definition, used by the triggers and by
-- HostGroups when a rule is saved (with the rule bound as parameters, so indexes can serve it).
-- No sub-SELECT in it, so PostgreSQL inlines it into the calling query instead of calling it per
-- row (which made re-evaluating a rule over 100,000 hosts take 750 ms instead of tens).
CREATE FUNCTION host_matches_rule(h hosts, terms text[], tags text[], os text,
                                  hostname_like text, cidr cidr, status text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN h.deleted_at IS NULL
       AND terms @> tags
       AND (os IS NULL OR lower(h.os) = lower(os))
       AND (hostname_like IS NULL OR lower(h.hostname) LIKE hostname_like)
       AND (cidr IS NULL OR cidr >>= ANY(h.ip_addresses))
       AND (status IS NULL OR h.status = status);

-- Tags and dynamic members follow the hosts: statement-level triggers with transition tables,
-- so one UPDATE of 10,000 hosts (a bulk tag, the stale sweep) is followed by a few set-based
-- statements instead of a few per host. Only hosts whose tags or matched columns changed are
-- looked at; heartbeats touch none of those columns.
CREATE FUNCTION host_groups_follow_new_hosts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO host_tags (host_id, terms, search)
    SELECT n.id, host_tag_terms(n.metadata->'tags', n.operator_tags),
           host_tag_text(n.metadata->'tags', n.operator_tags)
      FROM new_rows n;
    INSERT INTO host_group_members (group_id, host_id)
    SELECT g.id, n.id
      FROM new_rows n
      JOIN host_groups g ON g.org_id = n.org_id AND g.dynamic
     WHERE host_matches_rule(n, host_tag_terms(n.metadata->'tags', n.operator_tags), g.rule_tags,
                             g.rule_os, g.rule_hostname_like, g.rule_cidr, g.rule_status)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION host_groups_follow_changed_hosts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO host_tags (host_id, terms, search)
    SELECT n.id, host_tag_terms(n.metadata->'tags', n.operator_tags),
           host_tag_text(n.metadata->'tags', n.operator_tags)
      FROM new_rows n
      JOIN old_rows o ON o.id = n.id
     WHERE (o.metadata->'tags', o.operator_tags) IS DISTINCT FROM (n.metadata->'tags', n.operator_tags)
    ON CONFLICT (host_id) DO UPDATE SET terms = excluded.terms, search = excluded.search;

    DELETE FROM host_group_members m
     USING new_rows n, old_rows o, host_groups g, host_tags t
     WHERE o.id = n.id AND m.host_id = n.id AND g.id = m.group_id AND g.dynamic AND t.host_id = n.id
       AND (o.hostname, o.os, o.ip_addresses, o.status, o.deleted_at, o.metadata->'tags', o.operator_tags)
           IS DISTINCT FROM (n.hostname, n.os, n.ip_addresses, n.status, n.deleted_at, n.metadata->'tags', n.operator_tags)
       AND NOT host_matches_rule(n, t.terms, g.rule_tags, g.rule_os, g.rule_hostname_like,
                                 g.rule_cidr, g.rule_status);
    INSERT INTO host_group_members (group_id, host_id)
    SELECT g.id, n.id
      FROM new_rows n
      JOIN old_rows o ON o.id = n.id
      JOIN host_tags t ON t.host_id = n.id
      JOIN host_groups g ON g.org_id = n.org_id AND g.dynamic
     WHERE (o.hostname, o.os, o.ip_addresses, o.status, o.deleted_at, o.metadata->'tags', o.operator_tags)
           IS DISTINCT FROM (n.hostname, n.os, n.ip_addresses, n.status, n.deleted_at, n.metadata->'tags', n.operator_tags)
       AND host_matches_rule(n, t.terms, g.rule_tags, g.rule_os, g.rule_hostname_like, g.rule_cidr,
                             g.rule_status)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER hosts_join_groups AFTER INSERT ON hosts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION host_groups_follow_new_hosts();
CREATE TRIGGER hosts_follow_groups AFTER UPDATE ON hosts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION host_groups_follow_changed_hosts();

-- A user's access is to the whole organisation (users.role, as before) or to groups only: then
-- they see the hosts of their groups in user_group_roles and nothing else (none when they have no
-- group left), with the role given per group.
ALTER TABLE users ADD COLUMN host_scope text NOT NULL DEFAULT 'organisation'
    CHECK (host_scope IN ('organisation', 'groups'));

CREATE TABLE user_group_roles (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id  uuid NOT NULL REFERENCES host_groups (id) ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('engineer', 'read_only')),
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_group_roles_group_idx ON user_group_roles (group_id);
