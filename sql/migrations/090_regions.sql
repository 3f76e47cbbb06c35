-- Declared regions: a region exists when a customer is in it or it is declared here (`region add`,
-- `user add --new-region`), so that an account is never given a misspelt region that matches nothing.
-- The regions of existing accounts are declared, so that nothing that worked before is refused.
CREATE TABLE regions (
  name VARCHAR(60) NOT NULL PRIMARY KEY,
  declared_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  declared_by VARCHAR(64) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

INSERT IGNORE INTO regions (name, declared_by)
  SELECT DISTINCT region, 'migration 090' FROM staff_users WHERE region IS NOT NULL AND region <> '';
