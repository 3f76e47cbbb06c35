-- A call's rating worked out at ingest (docs/billing.md "At ingest"): the deck version in force at
-- its start, the entry that version's chain of the called number gives at that weekday and time
-- (entry_no * 2 + covered), the entry's bill line (rate_lines) and the call's cost for all its seconds
-- (the entry's connection fee and rate groups, capped, rounded). Derived data: the bill run takes them
-- only while rate_version is still the version in force for the customer's plan at the call's start,
-- and otherwise (a plan change, a new version, NULL) rates the call from its number's chain.
-- Instant on MariaDB 10.3 and later (columns added last).
ALTER TABLE calls
  ADD COLUMN rate_version INT NULL COMMENT 'deck version the stored rating is of',
  ADD COLUMN rate_ec INT NULL COMMENT 'entry_no * 2 + covered',
  ADD COLUMN rate_line INT NULL COMMENT 'the entry''s rate_lines.line_no',
  ADD COLUMN rate_cost DECIMAL(20,8) NULL COMMENT 'cost of all its billsec on that entry';

-- A version's bill lines: one per destination group and timing (as the bill's GROUP BY compares them,
-- in the column's collation), so that calls rated at ingest are summed per line, not per entry.
CREATE TABLE IF NOT EXISTS rate_lines (
  version_id INT NOT NULL,
  line_no INT NOT NULL,
  dest_group VARCHAR(64) NOT NULL,
  timing VARCHAR(64) NOT NULL,
  PRIMARY KEY (version_id, line_no),
  CONSTRAINT fk_rate_lines_version FOREIGN KEY (version_id) REFERENCES rate_deck_versions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

ALTER TABLE rate_entries ADD COLUMN line_no INT NOT NULL DEFAULT 0 COMMENT 'its rate_lines row';

INSERT INTO rate_lines (version_id, line_no, dest_group, timing)
SELECT version_id, ROW_NUMBER() OVER (PARTITION BY version_id ORDER BY dest_group, timing), dest_group, timing
FROM (SELECT version_id, MIN(dest_group) AS dest_group, MIN(timing) AS timing FROM rate_entries
      GROUP BY version_id, dest_group, timing) g;

UPDATE rate_entries e JOIN rate_lines l
  ON l.version_id = e.version_id AND l.dest_group = e.dest_group AND l.timing = e.timing
SET e.line_no = l.line_no;
