-- Rate decks: destination prefixes priced with a connection fee, stepped rate groups, a timing,
-- a maximum cost and a rounding (docs/billing.md "Destination rating"). A deck has versions, each
-- in force from its effective_from; a call is rated by the version in force at its start.
-- Entries and their rate groups are keyed by (version_id, entry_no), so an import writes them in
-- bulk without reading generated ids back. A plan points at a deck (plans.deck_id); plans without
-- one rate as before.
CREATE TABLE rate_decks (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  kind ENUM('csv','cgrates') NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_rate_decks_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE rate_deck_versions (
  id INT AUTO_INCREMENT PRIMARY KEY,
  deck_id INT NOT NULL,
  version INT NOT NULL,
  effective_from DATETIME(3) NOT NULL COMMENT 'operator local time; 1000-01-01 = from the beginning',
  source VARCHAR(255) NOT NULL DEFAULT '',
  rating_plan VARCHAR(64) NULL COMMENT 'CGRateS rating plan id',
  entries INT NOT NULL DEFAULT 0,
  imported_at DATETIME(3) NOT NULL,
  imported_by VARCHAR(64) NOT NULL DEFAULT '',
  UNIQUE KEY uq_rate_deck_versions (deck_id, version),
  KEY ix_rate_deck_versions_from (deck_id, effective_from),
  CONSTRAINT fk_rate_deck_versions_deck FOREIGN KEY (deck_id) REFERENCES rate_decks (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE rate_entries (
  version_id INT NOT NULL,
  entry_no INT NOT NULL,
  prefix VARCHAR(32) NOT NULL COMMENT 'digits, optionally after +; empty = any number',
  destination VARCHAR(64) NOT NULL,
  dest_group VARCHAR(64) NOT NULL,
  name VARCHAR(64) NOT NULL COMMENT 'the entry name: ties are resolved by weight, then name',
  timing VARCHAR(64) NOT NULL,
  years VARCHAR(200) NOT NULL DEFAULT '' COMMENT 'comma list; empty = any',
  months VARCHAR(40) NOT NULL DEFAULT '',
  month_days VARCHAR(100) NOT NULL DEFAULT '',
  weekdays VARCHAR(20) NOT NULL DEFAULT '' COMMENT '1 = Monday .. 7 = Sunday; empty = any',
  start_time TIME NOT NULL DEFAULT '00:00:00',
  weight DECIMAL(12,4) NOT NULL DEFAULT 0,
  connect_fee DECIMAL(16,6) NOT NULL DEFAULT 0,
  max_cost DECIMAL(16,6) NULL COMMENT 'NULL = no cap',
  max_cost_strategy VARCHAR(16) NOT NULL DEFAULT '',
  rounding ENUM('*up','*down','*middle') NOT NULL DEFAULT '*up',
  decimals TINYINT NOT NULL DEFAULT 4,
  covered TINYINT(1) NOT NULL DEFAULT 0 COMMENT 'the plan''s included minutes cover it',
  PRIMARY KEY (version_id, entry_no),
  KEY ix_rate_entries_prefix (version_id, prefix),
  CONSTRAINT fk_rate_entries_version FOREIGN KEY (version_id) REFERENCES rate_deck_versions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE rate_groups (
  version_id INT NOT NULL,
  entry_no INT NOT NULL,
  start_s INT NOT NULL,
  end_s INT NULL COMMENT 'the next group''s start; NULL for the last',
  rate DECIMAL(18,8) NOT NULL,
  unit_s INT NOT NULL,
  increment_s INT NOT NULL,
  base_cost DECIMAL(40,20) NOT NULL DEFAULT 0 COMMENT 'the earlier groups charged in full',
  PRIMARY KEY (version_id, entry_no, start_s)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The distinct prefixes of a version; complete when their entries together cover every time.
CREATE TABLE rate_prefixes (
  version_id INT NOT NULL,
  prefix VARCHAR(32) NOT NULL,
  complete TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (version_id, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The deck prefixes each called number matches, per version, from the longest down to the first whose
-- entries cover every time (no shorter one can ever apply): filled set-based for the numbers a bill run
-- meets that are not resolved yet (a new version starts empty, so its numbers are resolved anew); the
-- row with prefix '~' marks a number as resolved (also when it matches nothing).
CREATE TABLE rate_numbers (
  version_id INT NOT NULL,
  num VARCHAR(64) NOT NULL,
  prefix VARCHAR(32) NOT NULL,
  PRIMARY KEY (version_id, num, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

ALTER TABLE plans ADD COLUMN deck_id INT NULL, ADD KEY ix_plans_deck (deck_id),
  ADD CONSTRAINT fk_plans_deck FOREIGN KEY (deck_id) REFERENCES rate_decks (id);
