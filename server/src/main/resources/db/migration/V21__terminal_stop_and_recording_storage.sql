-- Recording chunks are deflated before they are written: PostgreSQL trying to compress them again
-- costs CPU for nothing, so they are stored out of line as they are.
ALTER TABLE terminal_recordings ALTER COLUMN events SET STORAGE EXTERNAL;

-- An admin's "End session": who asked; the ingest instance holding the session ends it.
ALTER TABLE terminal_sessions ADD COLUMN stop_requested_by text;
