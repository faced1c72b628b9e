-- Recording chunks are deflated before they are written: PostgreSQL trying to compress them again
-- costs CPU for nothing, so they are stored out of line as they are.
ALTER TABLE terminal_recordings ALTER COLUMN events SET STORAGE EXTERNAL;

-- An admin's "End session": who asked; the ingest instance holding the session ends it.
ALTER TABLE terminal_sessions ADD COLUMN stop_requested_by text;

-- Chunks now hold the output as it came, in timed frames (format 2), turned into asciicast lines
-- when read; the first recordings hold the lines themselves (format 1).
ALTER TABLE terminal_recordings ADD COLUMN format smallint NOT NULL DEFAULT 1;
