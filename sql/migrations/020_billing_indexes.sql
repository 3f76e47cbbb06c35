-- Billing: find the bills of one bill run (run summary, delivery of a run's bills) without a scan.
CREATE INDEX ix_bills_run ON bills (bill_run_id);
