-- Calls left unbilled by `bill run --skip-unrated` are billed as late usage once a rate exists:
-- usage_billed remembers how many calls of the period were left unrated, and a later bill run
-- re-rates that period (like a period whose usage changed) until none is left.
ALTER TABLE usage_billed
  ADD COLUMN unrated_n INT NOT NULL DEFAULT 0 COMMENT 'calls left unrated (no deck entry) when billed';
