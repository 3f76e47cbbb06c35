-- Core schema: people, plans, usage records, billing, customer care, analytics, audit.
-- Usage tables (calls, sms, data_sessions) carry started_at in their primary and unique keys and
-- have no foreign keys, so that they can be partitioned by month (see docs/decisions.md).

CREATE TABLE plans (
  id INT AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(20) NOT NULL,
  name VARCHAR(100) NOT NULL,
  monthly_fee DECIMAL(12,2) NOT NULL,
  included_minutes INT NOT NULL DEFAULT 0,
  included_sms INT NOT NULL DEFAULT 0,
  included_mb INT NOT NULL DEFAULT 0,
  peak_rate DECIMAL(12,4) NOT NULL COMMENT 'per minute',
  offpeak_rate DECIMAL(12,4) NOT NULL COMMENT 'per minute',
  sms_rate DECIMAL(12,4) NOT NULL,
  mb_rate DECIMAL(12,4) NOT NULL,
  increment_seconds INT NOT NULL DEFAULT 60,
  peak_days VARCHAR(13) NOT NULL DEFAULT '0,1,2,3,4' COMMENT 'WEEKDAY() numbers, 0 = Monday',
  peak_start TIME NOT NULL DEFAULT '08:00:00',
  peak_end TIME NOT NULL DEFAULT '20:00:00' COMMENT 'exclusive',
  active TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_plans_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE customers (
  id INT AUTO_INCREMENT PRIMARY KEY,
  msisdn VARCHAR(16) NOT NULL COMMENT 'E.164',
  name VARCHAR(120) NOT NULL,
  email VARCHAR(200) NULL,
  region VARCHAR(60) NOT NULL DEFAULT '',
  plan_id INT NOT NULL,
  handset VARCHAR(120) NULL,
  status ENUM('active','suspended','closed') NOT NULL DEFAULT 'active',
  created_on DATE NOT NULL,
  closed_on DATE NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_customers_msisdn (msisdn),
  KEY ix_customers_region (region, status),
  KEY ix_customers_plan (plan_id),
  KEY ix_customers_status (status),
  KEY ix_customers_name (name),
  CONSTRAINT fk_customers_plan FOREIGN KEY (plan_id) REFERENCES plans (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE staff_users (
  id INT AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  role ENUM('admin','analyst','staff','regional','customer') NOT NULL,
  region VARCHAR(60) NULL COMMENT 'regional: the region managed',
  customer_id INT NULL COMMENT 'customer: the one account served',
  active TINYINT(1) NOT NULL DEFAULT 1,
  failed_attempts INT NOT NULL DEFAULT 0,
  locked_until DATETIME(3) NULL,
  last_login_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  created_by VARCHAR(64) NULL,
  UNIQUE KEY uq_staff_users_username (username),
  CONSTRAINT fk_staff_users_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE audit_log (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  at DATETIME(3) NOT NULL,
  username VARCHAR(64) NOT NULL,
  action VARCHAR(64) NOT NULL,
  target VARCHAR(200) NOT NULL DEFAULT '',
  detail TEXT NULL,
  KEY ix_audit_at (at),
  KEY ix_audit_user (username, at),
  KEY ix_audit_action (action, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- One row per import of a file: what was read, inserted, skipped; resumable.
CREATE TABLE imports (
  id INT AUTO_INCREMENT PRIMARY KEY,
  format VARCHAR(20) NOT NULL,
  file_name VARCHAR(500) NOT NULL,
  file_sha256 CHAR(64) NOT NULL,
  started_at DATETIME(3) NOT NULL,
  finished_at DATETIME(3) NULL,
  status ENUM('running','done','failed','interrupted') NOT NULL DEFAULT 'running',
  rows_read INT NOT NULL DEFAULT 0,
  inserted INT NOT NULL DEFAULT 0,
  duplicates INT NOT NULL DEFAULT 0,
  unmatched INT NOT NULL DEFAULT 0,
  rejected INT NOT NULL DEFAULT 0,
  reject_file VARCHAR(500) NULL,
  username VARCHAR(64) NOT NULL,
  KEY ix_imports_sha (file_sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Every write of usage records belongs to one ingest batch, so that the rollups can add exactly
-- the rows that a batch inserted (rows skipped as duplicates carry an older batch id).
CREATE TABLE ingest_batches (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  source VARCHAR(16) NOT NULL,
  import_id INT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE calls (
  id BIGINT NOT NULL AUTO_INCREMENT,
  customer_id INT NOT NULL,
  started_at DATETIME(3) NOT NULL COMMENT 'operator local time',
  direction ENUM('out','in') NOT NULL,
  other_party VARCHAR(64) NOT NULL DEFAULT '',
  duration_s INT NOT NULL DEFAULT 0 COMMENT 'from start to end',
  billsec INT NOT NULL DEFAULT 0 COMMENT 'answered seconds; 0 when not answered',
  answered TINYINT(1) NOT NULL,
  disposition VARCHAR(32) NOT NULL DEFAULT '',
  international TINYINT(1) NOT NULL DEFAULT 0,
  source VARCHAR(16) NOT NULL,
  source_ref VARCHAR(128) NOT NULL,
  batch_id BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, started_at),
  UNIQUE KEY uq_calls_source (source, source_ref, started_at),
  KEY ix_calls_customer (customer_id, started_at),
  KEY ix_calls_started (started_at),
  KEY ix_calls_batch (batch_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE sms (
  id BIGINT NOT NULL AUTO_INCREMENT,
  customer_id INT NOT NULL,
  started_at DATETIME(3) NOT NULL COMMENT 'sent or received, operator local time',
  direction ENUM('out','in') NOT NULL,
  other_party VARCHAR(64) NOT NULL DEFAULT '',
  length INT NOT NULL DEFAULT 0,
  international TINYINT(1) NOT NULL DEFAULT 0,
  source VARCHAR(16) NOT NULL,
  source_ref VARCHAR(128) NOT NULL,
  batch_id BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, started_at),
  UNIQUE KEY uq_sms_source (source, source_ref, started_at),
  KEY ix_sms_customer (customer_id, started_at),
  KEY ix_sms_started (started_at),
  KEY ix_sms_batch (batch_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE data_sessions (
  id BIGINT NOT NULL AUTO_INCREMENT,
  customer_id INT NOT NULL,
  started_at DATETIME(3) NOT NULL,
  ended_at DATETIME(3) NOT NULL,
  duration_ms BIGINT NOT NULL,
  bytes_dl BIGINT NOT NULL DEFAULT 0,
  bytes_ul BIGINT NOT NULL DEFAULT 0,
  social_dl BIGINT NULL, social_ul BIGINT NULL,
  google_dl BIGINT NULL, google_ul BIGINT NULL,
  email_dl BIGINT NULL, email_ul BIGINT NULL,
  youtube_dl BIGINT NULL, youtube_ul BIGINT NULL,
  netflix_dl BIGINT NULL, netflix_ul BIGINT NULL,
  gaming_dl BIGINT NULL, gaming_ul BIGINT NULL,
  other_dl BIGINT NULL, other_ul BIGINT NULL,
  rtt_dl_ms DECIMAL(12,3) NULL, rtt_ul_ms DECIMAL(12,3) NULL,
  tp_dl_kbps DECIMAL(14,3) NULL, tp_ul_kbps DECIMAL(14,3) NULL,
  tcp_retrans_dl_bytes BIGINT NULL, tcp_retrans_ul_bytes BIGINT NULL,
  handset_manufacturer VARCHAR(80) NULL,
  handset_type VARCHAR(120) NULL,
  imsi VARCHAR(20) NULL, imei VARCHAR(20) NULL, location VARCHAR(40) NULL,
  extra LONGTEXT NULL COMMENT 'other xDR fields as JSON',
  source VARCHAR(16) NOT NULL,
  source_ref VARCHAR(128) NOT NULL,
  batch_id BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, started_at),
  UNIQUE KEY uq_data_source (source, source_ref, started_at),
  KEY ix_data_customer (customer_id, started_at),
  KEY ix_data_started (started_at),
  KEY ix_data_batch (batch_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Records whose subscriber is not on our books: kept with the reason, re-processable.
CREATE TABLE unmatched_records (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  kind ENUM('call','sms','data') NOT NULL,
  source VARCHAR(16) NOT NULL,
  source_ref VARCHAR(128) NOT NULL,
  started_at DATETIME(3) NOT NULL,
  party_a VARCHAR(64) NOT NULL DEFAULT '',
  party_b VARCHAR(64) NOT NULL DEFAULT '',
  reason VARCHAR(255) NOT NULL,
  payload LONGTEXT NOT NULL COMMENT 'the normalised record as JSON',
  import_id INT NULL,
  status ENUM('pending','processed') NOT NULL DEFAULT 'pending',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  processed_at DATETIME(3) NULL,
  UNIQUE KEY uq_unmatched_source (kind, source, source_ref, started_at),
  KEY ix_unmatched_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Rollups kept current as records arrive (repositories/rollups.py).
CREATE TABLE usage_daily (
  customer_id INT NOT NULL,
  day DATE NOT NULL,
  calls_out INT NOT NULL DEFAULT 0,
  calls_in INT NOT NULL DEFAULT 0,
  calls_answered_out INT NOT NULL DEFAULT 0,
  call_seconds_out BIGINT NOT NULL DEFAULT 0,
  call_seconds_in BIGINT NOT NULL DEFAULT 0,
  calls_international INT NOT NULL DEFAULT 0,
  sms_out INT NOT NULL DEFAULT 0,
  sms_in INT NOT NULL DEFAULT 0,
  data_sessions INT NOT NULL DEFAULT 0,
  data_duration_ms BIGINT NOT NULL DEFAULT 0,
  bytes_dl BIGINT NOT NULL DEFAULT 0,
  bytes_ul BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, day),
  KEY ix_usage_daily_day (day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE usage_hourly (
  day DATE NOT NULL,
  hour TINYINT NOT NULL,
  region VARCHAR(60) NOT NULL DEFAULT '',
  calls INT NOT NULL DEFAULT 0,
  call_seconds BIGINT NOT NULL DEFAULT 0,
  sms INT NOT NULL DEFAULT 0,
  data_sessions INT NOT NULL DEFAULT 0,
  bytes_total BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, hour, region)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE bill_runs (
  id INT AUTO_INCREMENT PRIMARY KEY,
  period CHAR(7) NOT NULL,
  started_at DATETIME(3) NOT NULL,
  finished_at DATETIME(3) NULL,
  bills_created INT NOT NULL DEFAULT 0,
  total DECIMAL(14,2) NOT NULL DEFAULT 0,
  username VARCHAR(64) NOT NULL,
  KEY ix_bill_runs_period (period)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE bills (
  id INT AUTO_INCREMENT PRIMARY KEY,
  bill_number VARCHAR(20) NOT NULL,
  period CHAR(7) NOT NULL,
  seq INT NOT NULL,
  customer_id INT NOT NULL,
  plan_id INT NOT NULL,
  bill_run_id INT NULL,
  issued_at DATETIME(3) NOT NULL,
  due_date DATE NOT NULL,
  subtotal DECIMAL(14,2) NOT NULL,
  tax DECIMAL(14,2) NOT NULL,
  total DECIMAL(14,2) NOT NULL,
  credit_applied DECIMAL(14,2) NOT NULL DEFAULT 0,
  amount_paid DECIMAL(14,2) NOT NULL DEFAULT 0,
  status ENUM('issued','partially_paid','paid','void') NOT NULL DEFAULT 'issued',
  UNIQUE KEY uq_bills_number (bill_number),
  UNIQUE KEY uq_bills_customer_period (customer_id, period),
  UNIQUE KEY uq_bills_period_seq (period, seq),
  KEY ix_bills_status_due (status, due_date),
  CONSTRAINT fk_bills_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_bills_plan FOREIGN KEY (plan_id) REFERENCES plans (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE bill_lines (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  bill_id INT NOT NULL,
  line_no INT NOT NULL,
  kind ENUM('subscription','peak_calls','offpeak_calls','sms','data','tax','adjustment','credit') NOT NULL,
  description VARCHAR(200) NOT NULL,
  quantity DECIMAL(16,3) NOT NULL DEFAULT 0,
  unit VARCHAR(12) NOT NULL DEFAULT '',
  unit_price DECIMAL(12,4) NOT NULL DEFAULT 0,
  amount DECIMAL(14,2) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  created_by VARCHAR(64) NULL,
  UNIQUE KEY uq_bill_lines (bill_id, line_no),
  CONSTRAINT fk_bill_lines_bill FOREIGN KEY (bill_id) REFERENCES bills (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE payments (
  id INT AUTO_INCREMENT PRIMARY KEY,
  bill_id INT NOT NULL,
  customer_id INT NOT NULL,
  amount DECIMAL(14,2) NOT NULL,
  method VARCHAR(30) NOT NULL,
  reference VARCHAR(80) NOT NULL,
  paid_at DATETIME(3) NOT NULL,
  recorded_by VARCHAR(64) NOT NULL,
  UNIQUE KEY uq_payments_reference (reference),
  KEY ix_payments_customer (customer_id, paid_at),
  CONSTRAINT fk_payments_bill FOREIGN KEY (bill_id) REFERENCES bills (id),
  CONSTRAINT fk_payments_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- Credits (overpayments, goodwill): open until applied to a later bill.
CREATE TABLE customer_credits (
  id INT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  amount DECIMAL(14,2) NOT NULL,
  reason VARCHAR(200) NOT NULL,
  payment_id INT NULL,
  applied_bill_id INT NULL,
  created_at DATETIME(3) NOT NULL,
  applied_at DATETIME(3) NULL,
  KEY ix_credits_customer (customer_id, applied_bill_id),
  CONSTRAINT fk_credits_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE reminders (
  id INT AUTO_INCREMENT PRIMARY KEY,
  bill_id INT NOT NULL,
  level TINYINT NOT NULL,
  as_of DATE NOT NULL,
  amount_due DECIMAL(14,2) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  outbox_path VARCHAR(500) NULL,
  UNIQUE KEY uq_reminders_bill_level (bill_id, level),
  CONSTRAINT fk_reminders_bill FOREIGN KEY (bill_id) REFERENCES bills (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- What was sent (mail or outbox), when and to whom.
CREATE TABLE deliveries (
  id INT AUTO_INCREMENT PRIMARY KEY,
  kind ENUM('bill','reminder') NOT NULL,
  ref_id INT NOT NULL,
  channel ENUM('mail','outbox') NOT NULL,
  recipient VARCHAR(200) NOT NULL,
  sent_at DATETIME(3) NOT NULL,
  status VARCHAR(20) NOT NULL,
  detail VARCHAR(500) NULL,
  KEY ix_deliveries_ref (kind, ref_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE enquiries (
  id INT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  subject VARCHAR(200) NOT NULL,
  body TEXT NOT NULL,
  status ENUM('open','answered','closed') NOT NULL DEFAULT 'open',
  created_at DATETIME(3) NOT NULL,
  created_by VARCHAR(64) NOT NULL,
  answer TEXT NULL,
  answered_at DATETIME(3) NULL,
  answered_by VARCHAR(64) NULL,
  closed_at DATETIME(3) NULL,
  closed_by VARCHAR(64) NULL,
  KEY ix_enquiries_status (status, created_at),
  KEY ix_enquiries_customer (customer_id),
  CONSTRAINT fk_enquiries_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE model_runs (
  id INT AUTO_INCREMENT PRIMARY KEY,
  model VARCHAR(60) NOT NULL,
  params LONGTEXT NULL COMMENT 'JSON',
  code_version VARCHAR(40) NOT NULL,
  git_commit VARCHAR(40) NULL,
  started_at DATETIME(3) NOT NULL,
  finished_at DATETIME(3) NULL,
  rows_used INT NOT NULL DEFAULT 0,
  metrics LONGTEXT NULL COMMENT 'JSON',
  artefact_path VARCHAR(500) NULL,
  status ENUM('running','done','failed') NOT NULL DEFAULT 'running',
  username VARCHAR(64) NULL,
  KEY ix_model_runs_model (model, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE customer_scores (
  run_id INT NOT NULL,
  customer_id INT NOT NULL,
  engagement DOUBLE NULL,
  experience DOUBLE NULL,
  satisfaction DOUBLE NULL,
  cluster INT NULL,
  PRIMARY KEY (run_id, customer_id),
  KEY ix_scores_customer (customer_id),
  CONSTRAINT fk_scores_run FOREIGN KEY (run_id) REFERENCES model_runs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
