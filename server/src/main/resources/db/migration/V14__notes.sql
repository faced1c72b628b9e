-- Markdown notes on a host or on a host group (groups/notes in the server). A note belongs to
-- exactly one of the two and goes with it. Its author's name is copied as shown when it was
-- written, so the note still says who wrote it after the account is removed. Deleting a note only
-- marks it (deleted_at): the audit log can still point at it.
CREATE TABLE notes (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id           uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    host_id          uuid REFERENCES hosts (id) ON DELETE CASCADE,
    group_id         uuid REFERENCES host_groups (id) ON DELETE CASCADE,
    body             text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    pinned           boolean NOT NULL DEFAULT false,
    author_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    author_name      text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- the last change of the body (pinning is not an edit); equal to created_* until one
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by_name  text NOT NULL,
    deleted_at       timestamptz,
    CHECK (num_nonnulls(host_id, group_id) = 1)
);

-- A host's or a group's notes as they are listed: pinned first, then newest.
CREATE INDEX notes_host_idx ON notes (host_id, pinned DESC, created_at DESC)
    WHERE deleted_at IS NULL AND host_id IS NOT NULL;
CREATE INDEX notes_group_idx ON notes (group_id, pinned DESC, created_at DESC)
    WHERE deleted_at IS NULL AND group_id IS NOT NULL;
-- The host list's search also matches the text of a host's live notes
-- (EXISTS (... n.host_id = h.id AND n.deleted_at IS NULL AND n.body ILIKE :pattern)). Over a
-- fleet the planner runs that as h.id = ANY (SELECT n.host_id ... hashed), where nothing proves
-- host_id IS NOT NULL: a predicate naming host_id would leave the index unused, so live group
-- notes (few) are in it too.
CREATE INDEX notes_body_trgm_idx ON notes USING gin (body gin_trgm_ops)
    WHERE deleted_at IS NULL;

-- Every edit keeps the body it replaced: who replaced it and when.
CREATE TABLE note_revisions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note_id         uuid NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    body            text NOT NULL,
    edited_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    edited_by_name  text NOT NULL,
    edited_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX note_revisions_note_idx ON note_revisions (note_id, edited_at DESC, id DESC);
