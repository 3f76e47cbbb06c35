-- Usage records partitioned by month of started_at (operator local time).
-- started_at is in every primary and unique key of calls, sms and data_sessions, and no foreign
-- key points at them or from them, which partitioning requires. Records before 2026-07 share the
-- catch-all p202606 and records beyond the last month share pmax; `telco-console db partitions
-- --add-months N` (monthly, from cron) splits pmax into more months, and `db archive` splits a
-- catch-all as it needs. Few partitions at first: TRUNCATE and DDL cost grows with their number.
-- A partition is named after the last month it can hold (pYYYYMM) or pmax.
ALTER TABLE calls PARTITION BY RANGE COLUMNS(started_at) (
  PARTITION p202606 VALUES LESS THAN ('2026-07-01'),
  PARTITION p202607 VALUES LESS THAN ('2026-08-01'),
  PARTITION p202608 VALUES LESS THAN ('2026-09-01'),
  PARTITION p202609 VALUES LESS THAN ('2026-10-01'),
  PARTITION p202610 VALUES LESS THAN ('2026-11-01'),
  PARTITION p202611 VALUES LESS THAN ('2026-12-01'),
  PARTITION p202612 VALUES LESS THAN ('2027-01-01'),
  PARTITION p202701 VALUES LESS THAN ('2027-02-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE)
);

ALTER TABLE sms PARTITION BY RANGE COLUMNS(started_at) (
  PARTITION p202606 VALUES LESS THAN ('2026-07-01'),
  PARTITION p202607 VALUES LESS THAN ('2026-08-01'),
  PARTITION p202608 VALUES LESS THAN ('2026-09-01'),
  PARTITION p202609 VALUES LESS THAN ('2026-10-01'),
  PARTITION p202610 VALUES LESS THAN ('2026-11-01'),
  PARTITION p202611 VALUES LESS THAN ('2026-12-01'),
  PARTITION p202612 VALUES LESS THAN ('2027-01-01'),
  PARTITION p202701 VALUES LESS THAN ('2027-02-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE)
);

ALTER TABLE data_sessions PARTITION BY RANGE COLUMNS(started_at) (
  PARTITION p202606 VALUES LESS THAN ('2026-07-01'),
  PARTITION p202607 VALUES LESS THAN ('2026-08-01'),
  PARTITION p202608 VALUES LESS THAN ('2026-09-01'),
  PARTITION p202609 VALUES LESS THAN ('2026-10-01'),
  PARTITION p202610 VALUES LESS THAN ('2026-11-01'),
  PARTITION p202611 VALUES LESS THAN ('2026-12-01'),
  PARTITION p202612 VALUES LESS THAN ('2027-01-01'),
  PARTITION p202701 VALUES LESS THAN ('2027-02-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE)
);

-- One row per month exported by `db archive`; restored_at is set by `db restore-archive`.
-- While a month is archived its rollups are kept (reports still show it) and the rollup check skips it.
CREATE TABLE usage_archives (
  id INT AUTO_INCREMENT PRIMARY KEY,
  month CHAR(7) NOT NULL,
  file VARCHAR(500) NOT NULL,
  calls INT NOT NULL DEFAULT 0,
  sms INT NOT NULL DEFAULT 0,
  data_sessions INT NOT NULL DEFAULT 0,
  sha256 CHAR(64) NOT NULL,
  archived_at DATETIME(3) NOT NULL,
  archived_by VARCHAR(64) NOT NULL,
  restored_at DATETIME(3) NULL,
  restored_by VARCHAR(64) NULL,
  KEY ix_usage_archives_month (month)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
