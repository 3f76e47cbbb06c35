-- Late usage (docs/billing.md "Late usage"): what has been billed of each customer's usage of each
-- period, so that records arriving after the period's bill are billed once, on the next bill.
-- usage_billed holds, per customer and period, the usage fingerprint seen by the rating that billed
-- it (counts and sums of usage_monthly, read in the same statement as the records, so it describes
-- exactly the records rated) and the quantities and amounts billed so far. A bill run re-rates a
-- period of a customer it bills only when usage_monthly no longer matches the fingerprint, and puts
-- the difference on the new bill as a 'late_usage' line naming the period (bill_lines.usage_period).
CREATE TABLE usage_billed (
  customer_id INT NOT NULL,
  period CHAR(7) NOT NULL,
  plan_id INT NOT NULL COMMENT 'the plan of the period''s bill, used to rate its late usage',
  bill_id INT NOT NULL COMMENT 'the period''s own bill',
  n_calls INT NOT NULL DEFAULT 0,
  n_sms INT NOT NULL DEFAULT 0,
  n_data INT NOT NULL DEFAULT 0,
  call_seconds_out BIGINT NOT NULL DEFAULT 0,
  data_bytes BIGINT NOT NULL DEFAULT 0,
  peak_s BIGINT NOT NULL DEFAULT 0,
  offpeak_s BIGINT NOT NULL DEFAULT 0,
  sms_n INT NOT NULL DEFAULT 0,
  mb_n BIGINT NOT NULL DEFAULT 0,
  peak_amount DECIMAL(14,2) NOT NULL DEFAULT 0,
  offpeak_amount DECIMAL(14,2) NOT NULL DEFAULT 0,
  sms_amount DECIMAL(14,2) NOT NULL DEFAULT 0,
  data_amount DECIMAL(14,2) NOT NULL DEFAULT 0,
  deck_amount DECIMAL(14,2) NOT NULL DEFAULT 0 COMMENT 'calls priced by a rate deck',
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (customer_id, period)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- the kind 'late_usage' is accepted once bill_lines.kind is text (migration 101)
ALTER TABLE bill_lines
  ADD COLUMN usage_period CHAR(7) NULL COMMENT 'late_usage: the period the usage belongs to';

-- bills issued before this migration: everything recorded so far counts as billed
INSERT INTO usage_billed (customer_id, period, plan_id, bill_id, n_calls, n_sms, n_data, call_seconds_out,
                          data_bytes, peak_s, offpeak_s, sms_n, mb_n, peak_amount, offpeak_amount, sms_amount,
                          data_amount, deck_amount, updated_at)
SELECT b.customer_id, b.period, b.plan_id, b.id,
       COALESCE(m.calls_out + m.calls_in, 0), COALESCE(m.sms_out + m.sms_in, 0), COALESCE(m.data_sessions, 0),
       COALESCE(m.call_seconds_out, 0), COALESCE(m.bytes_dl + m.bytes_ul, 0),
       COALESCE(ROUND(SUM(CASE WHEN l.kind = 'peak_calls' THEN l.quantity END) * 60), 0),
       COALESCE(ROUND(SUM(CASE WHEN l.kind = 'offpeak_calls' THEN l.quantity END) * 60), 0),
       COALESCE(SUM(CASE WHEN l.kind = 'sms' THEN l.quantity END), 0),
       COALESCE(SUM(CASE WHEN l.kind = 'data' THEN l.quantity END), 0),
       COALESCE(SUM(CASE WHEN l.kind = 'peak_calls' THEN l.amount END), 0),
       COALESCE(SUM(CASE WHEN l.kind = 'offpeak_calls' THEN l.amount END), 0),
       COALESCE(SUM(CASE WHEN l.kind = 'sms' THEN l.amount END), 0),
       COALESCE(SUM(CASE WHEN l.kind = 'data' THEN l.amount END), 0),
       COALESCE(SUM(CASE WHEN l.kind = 'destination' THEN l.amount END), 0),
       b.issued_at
FROM bills b
LEFT JOIN usage_monthly m ON m.customer_id = b.customer_id AND m.month = CAST(CONCAT(b.period, '-01') AS DATE)
LEFT JOIN bill_lines l ON l.bill_id = b.id
GROUP BY b.id, b.customer_id, b.period, b.plan_id, b.issued_at, m.calls_out, m.calls_in, m.sms_out, m.sms_in,
         m.data_sessions, m.call_seconds_out, m.bytes_dl, m.bytes_ul;
