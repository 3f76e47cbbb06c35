-- A call's rating worked out at ingest (docs/billing.md "At ingest"): the deck version in force at
-- its start, the entry that version's chain of the called number gives at that weekday and time
-- (entry_no * 2 + covered) and the call's cost for all its seconds (the entry's connection fee and
-- rate groups, capped, rounded). Derived data: the bill run takes them only while rate_version is
-- still the version in force for the customer's plan at the call's start, and otherwise (a plan
-- change, a new version, a call logged at the prompt, NULL) rates the call from its number's chain.
-- Instant on MariaDB 10.3 and later (columns added last).
ALTER TABLE calls
  ADD COLUMN rate_version INT NULL COMMENT 'deck version the stored rating is of',
  ADD COLUMN rate_ec INT NULL COMMENT 'entry_no * 2 + covered',
  ADD COLUMN rate_cost DECIMAL(20,8) NULL COMMENT 'cost of all its billsec on that entry';
