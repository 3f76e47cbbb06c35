-- A third rollup, per customer per calendar month (repositories/rollups.py): the usage reports
-- read it for the whole months of their range instead of a row per customer per day, so a
-- ranking of every customer over a quarter reads ~3 rows a customer, not ~90.
-- `month` is the first day of the month. Kept current with usage_daily in the same transaction.
CREATE TABLE usage_monthly (
  customer_id INT NOT NULL,
  month DATE NOT NULL,
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
  PRIMARY KEY (customer_id, month),
  KEY ix_usage_monthly_month (month)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- an existing database: the months so far, from the daily rollup
INSERT INTO usage_monthly (customer_id, month, calls_out, calls_in, calls_answered_out, call_seconds_out,
                           call_seconds_in, calls_international, sms_out, sms_in, data_sessions,
                           data_duration_ms, bytes_dl, bytes_ul)
SELECT customer_id, day - INTERVAL (DAYOFMONTH(day) - 1) DAY, SUM(calls_out), SUM(calls_in),
       SUM(calls_answered_out), SUM(call_seconds_out), SUM(call_seconds_in), SUM(calls_international),
       SUM(sms_out), SUM(sms_in), SUM(data_sessions), SUM(data_duration_ms), SUM(bytes_dl), SUM(bytes_ul)
FROM usage_daily GROUP BY customer_id, day - INTERVAL (DAYOFMONTH(day) - 1) DAY;
