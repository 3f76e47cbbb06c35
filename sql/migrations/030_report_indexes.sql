-- Indexes for the reports that must read raw records or bills (services/reports).
-- Handsets: the top handsets and manufacturers are counted from this index alone.
CREATE INDEX ix_data_handset ON data_sessions (handset_manufacturer, handset_type);
-- Plan trends: revenue per plan per month reads bills by period.
CREATE INDEX ix_bills_period_plan ON bills (period, plan_id, total);
