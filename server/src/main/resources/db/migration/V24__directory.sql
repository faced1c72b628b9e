-- An organisation's directory (LDAP / Active Directory, directory/): where it is, how the server
-- binds to search it, where people and groups are, which attributes say what. The bind password is
-- sealed with the server's key-encryption key (AES-256-GCM, nonce first), which never enters the
-- database, so a dump of the database does not reveal it.
CREATE TABLE directory_settings (
    org_id                      uuid PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    enabled                     boolean NOT NULL,
    server_urls                 text[] NOT NULL
                                    CHECK (cardinality(server_urls) BETWEEN 1 AND 10),
    ca_certificate_pem          text CHECK (length(ca_certificate_pem) <= 65536),
    bind_dn                     text NOT NULL CHECK (length(bind_dn) BETWEEN 1 AND 4096),
    bind_password_sealed        bytea NOT NULL,
    user_base_dn                text NOT NULL CHECK (length(user_base_dn) BETWEEN 1 AND 4096),
    user_filter                 text NOT NULL CHECK (length(user_filter) BETWEEN 1 AND 4096),
    group_base_dn               text CHECK (length(group_base_dn) BETWEEN 1 AND 4096),
    login_attribute             text NOT NULL,
    upn_attribute               text NOT NULL,
    display_name_attribute      text NOT NULL,
    mail_attribute              text NOT NULL,
    member_of_attribute         text NOT NULL,
    account_control_attribute   text NOT NULL,
    account_expires_attribute   text NOT NULL,
    disabled_flag_attribute     text,
    updated_by                  uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at                  timestamptz NOT NULL DEFAULT now()
);

-- Members of a directory group get a role: on the organisation (host_group_id null), or on one
-- host group, where only engineer and read_only exist (as for local users scoped to groups).
-- super_admin is never given by a directory.
CREATE TABLE directory_role_mappings (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES directory_settings (org_id) ON DELETE CASCADE,
    group_dn       text NOT NULL CHECK (length(group_dn) BETWEEN 1 AND 4096),
    role           text NOT NULL CHECK (role IN ('org_admin', 'engineer', 'read_only')),
    host_group_id  uuid REFERENCES host_groups (id) ON DELETE CASCADE,
    CHECK (host_group_id IS NULL OR role IN ('engineer', 'read_only'))
);
CREATE INDEX directory_role_mappings_org_idx ON directory_role_mappings (org_id);
