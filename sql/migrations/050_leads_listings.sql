-- Leads and listings imported from CSV, joined with calls and SMS on the phone number (E.164).
CREATE TABLE listings (
  listing_id VARCHAR(64) NOT NULL PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  location VARCHAR(120) NOT NULL DEFAULT '',
  price DECIMAL(14,2) NULL,
  imported_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE leads (
  lead_id VARCHAR(64) NOT NULL PRIMARY KEY,
  name VARCHAR(120) NOT NULL,
  phone VARCHAR(16) NOT NULL COMMENT 'E.164',
  listing_id VARCHAR(64) NULL,
  created_at DATETIME(3) NULL,
  imported_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_leads_phone (phone),
  KEY ix_leads_listing (listing_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- calls/sms are matched on other_party = a lead's phone
CREATE INDEX ix_calls_other_party ON calls (other_party);
CREATE INDEX ix_sms_other_party ON sms (other_party);
