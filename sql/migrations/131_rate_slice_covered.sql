-- The slice keeps whether its entry is covered by the plan's allowance (the bill run's running sum of
-- the allowance needs only that, before it reads the entry). Derived data: the chains are emptied and
-- resolved again by the next rating that meets their numbers.
DELETE FROM rate_number_chains;
DELETE FROM rate_chain_slices;
DELETE FROM rate_chain_prefixes;
DELETE FROM rate_chains;
ALTER TABLE rate_chain_slices ADD COLUMN covered TINYINT(1) NOT NULL DEFAULT 0 AFTER entry_no;
