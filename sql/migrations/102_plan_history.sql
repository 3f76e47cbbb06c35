-- Plan changes within a month (docs/billing.md "Plan changes within a month"): the plans a customer
-- has been on, each from a day until the next row's day. customers.plan_id stays the current plan (the
-- latest row). The bill run prorates the fee by the days on each plan and rates each record by the
-- plan in force at its start. Existing customers get one row from the day they joined.
CREATE TABLE customer_plans (
  customer_id INT NOT NULL,
  valid_from DATE NOT NULL COMMENT 'local day the plan applies from (until the next row)',
  plan_id INT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  created_by VARCHAR(64) NOT NULL DEFAULT '',
  PRIMARY KEY (customer_id, valid_from),
  KEY ix_customer_plans_plan (plan_id),
  CONSTRAINT fk_customer_plans_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_customer_plans_plan FOREIGN KEY (plan_id) REFERENCES plans (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

INSERT INTO customer_plans (customer_id, valid_from, plan_id)
SELECT id, created_on, plan_id FROM customers;
