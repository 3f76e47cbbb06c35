-- Who runs an import, and when it last made progress, so that an import whose process was
-- stopped (SIGTERM, SIGKILL, a power cut) is marked 'interrupted' at the next start instead of
-- staying 'running' for ever. 'stopped' is an import ended by --max-rejects.
ALTER TABLE imports
  MODIFY status ENUM('running','done','failed','interrupted','stopped') NOT NULL DEFAULT 'running',
  ADD COLUMN host VARCHAR(255) NULL,
  ADD COLUMN pid INT NULL,
  ADD COLUMN heartbeat_at DATETIME(3) NULL,
  ADD COLUMN note VARCHAR(500) NULL,
  ADD KEY ix_imports_status (status);
