-- Billing: one row per billing period, locked (INSERT ... ON DUPLICATE KEY UPDATE) by every bill run
-- of that period until it commits, so runs of one period are serialised on a single server and
-- conflict (and are retried) on a Galera cluster, where named locks are not shared between nodes.
CREATE TABLE bill_periods (
  period CHAR(7) NOT NULL PRIMARY KEY,
  runs INT NOT NULL DEFAULT 0,
  last_run_at DATETIME(3) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
