-- Records logged one at a time (menu or `log call|sms|data`) get a short number that people can
-- read out and type: `log show N`, `log undo N`. The row points at the record by its natural key
-- (source 'manual', source_ref, started_at); an undone record keeps its row, marked undone.
CREATE TABLE manual_records (
  id INT AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(8) NOT NULL COMMENT 'call, sms or data',
  source_ref VARCHAR(128) NOT NULL,
  started_at DATETIME(3) NOT NULL,
  customer_id INT NOT NULL,
  logged_by VARCHAR(64) NOT NULL,
  logged_at DATETIME(3) NOT NULL COMMENT 'operator local time',
  undone_by VARCHAR(64) NULL,
  undone_at DATETIME(3) NULL,
  UNIQUE KEY uq_manual_records_ref (kind, source_ref),
  KEY ix_manual_records_logged (logged_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
