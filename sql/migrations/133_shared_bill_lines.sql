-- Bill lines shared by every deck and version (docs/billing.md "Rating"): rate_lines becomes one row
-- per destination group and timing, compared in the columns' collation as the bill's GROUP BY compares
-- them, so that the bill run sums a customer's calls per line in one step whatever their deck
-- version, and reads each line's group and timing once. Migration 132 numbered lines per version:
-- the entries' and the stored calls' line numbers are mapped to the shared ones.
RENAME TABLE rate_lines TO rate_lines_132;

CREATE TABLE rate_lines (
  line_no INT NOT NULL AUTO_INCREMENT,
  dest_group VARCHAR(64) NOT NULL,
  timing VARCHAR(64) NOT NULL,
  PRIMARY KEY (line_no),
  UNIQUE KEY uq_rate_lines (dest_group, timing)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

INSERT IGNORE INTO rate_lines (dest_group, timing)
SELECT dest_group, timing FROM rate_lines_132 ORDER BY version_id, line_no;

UPDATE calls k
  JOIN rate_lines_132 o ON o.version_id = k.rate_version AND o.line_no = k.rate_line
  JOIN rate_lines n ON n.dest_group = o.dest_group AND n.timing = o.timing
SET k.rate_line = n.line_no
WHERE k.rate_line IS NOT NULL;

UPDATE rate_entries e JOIN rate_lines n ON n.dest_group = e.dest_group AND n.timing = e.timing
SET e.line_no = n.line_no;

DROP TABLE rate_lines_132;
