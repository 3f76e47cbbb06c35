-- The destination of a called number, resolved once per deck version (docs/billing.md "How the bill
-- run does it"): the number's chain is the list of deck prefixes it matches, from the longest down to
-- the first whose entries cover every time (no shorter one can ever apply). Numbers with the same
-- chain share its entry choice, precomputed per weekday and time-of-day slice, so that a call takes
-- one index probe instead of a choice among candidates. A chain with an entry restricted by year,
-- month or day of month is `general`: its calls choose among the chain's entries at rating time.
-- All of it is derived data, filled set-based for numbers not resolved yet (a new version starts
-- empty, so its numbers are resolved anew); rate_numbers (one row per number and prefix) is replaced.
CREATE TABLE IF NOT EXISTS rate_chains (
  id INT AUTO_INCREMENT PRIMARY KEY,
  version_id INT NOT NULL,
  chain_key CHAR(32) NOT NULL COMMENT 'MD5 of the chain''s prefixes, longest first',
  general TINYINT(1) NOT NULL DEFAULT 0 COMMENT 'an entry restricted by year, month or day of month',
  built TINYINT(1) NOT NULL DEFAULT 0 COMMENT 'prefixes and slices written',
  UNIQUE KEY uq_rate_chains (version_id, chain_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE IF NOT EXISTS rate_chain_prefixes (
  chain_id INT NOT NULL,
  prefix VARCHAR(32) NOT NULL,
  k INT NOT NULL COMMENT 'the order of the prefixes: digits * 2, + 1 with its ''+''',
  PRIMARY KEY (chain_id, prefix)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The entry of a (non-general) chain on a weekday (1 = Monday) from t_from to before t_to;
-- entry_no NULL = no entry applies (the call is unrated).
CREATE TABLE IF NOT EXISTS rate_chain_slices (
  chain_id INT NOT NULL,
  weekday TINYINT NOT NULL,
  t_from TIME NOT NULL,
  t_to TIME NOT NULL,
  entry_no INT NULL,
  PRIMARY KEY (chain_id, weekday, t_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE IF NOT EXISTS rate_number_chains (
  version_id INT NOT NULL,
  num VARCHAR(64) NOT NULL,
  chain_id INT NOT NULL,
  general TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (version_id, num)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

DROP TABLE IF EXISTS rate_numbers;
