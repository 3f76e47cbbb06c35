-- usage_daily partitioned by month of `day`, like the records: a report whose range cuts a month
-- reads usage_daily for those days, and the server walks the table's primary key (customer
-- order) rather than look each day's rows up, so without partitions that pass grows with every
-- month ever kept; with them it reads only the months asked. `day` is in the primary key, as
-- partitioning requires. `db partitions --add-months N` splits pmax here too.
ALTER TABLE usage_daily PARTITION BY RANGE COLUMNS(day) (
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
