-- The real instant of every usage record (decision 30): started_at stays the operator's local
-- wall-clock time (peak/off-peak, report days and hours, monthly partitions); started_utc is the
-- same start in UTC, which orders records in real time (allowances, the repeated autumn hour)
-- and gives real durations across a clock change. Rows already stored are filled by
-- `db migrate` in the operator's time zone (a time repeated in autumn as its first occurrence);
-- NULL only in rows restored from an archive made before this migration, until the restore
-- fills them the same way.
ALTER TABLE calls ADD COLUMN started_utc DATETIME(3) NULL COMMENT 'the start in UTC (the real instant)';
ALTER TABLE sms ADD COLUMN started_utc DATETIME(3) NULL COMMENT 'the start in UTC (the real instant)';
ALTER TABLE data_sessions ADD COLUMN started_utc DATETIME(3) NULL COMMENT 'the start in UTC (the real instant)';
