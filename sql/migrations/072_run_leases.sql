-- Leases for jobs that must run one at a time over the whole database (the reminder run, which
-- mails). A run holds its row by a committed write, so two runs on two nodes of a Galera cluster
-- (where GET_LOCK is local to one node) conflict at certification and only one holds it. A lease
-- expires, so a run that died frees it at expires_at; a run renews it while it works.
CREATE TABLE run_leases (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  holder VARCHAR(64) NOT NULL,
  expires_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
