-- The xDR reports' per-application volumes in the per-customer rollups: usage_daily and
-- usage_monthly gain, per application, the bytes (downlink + uplink) of the day's or month's data
-- sessions that recorded that application, NULL when none did (as SUM over the records gives), so
-- xdr-overview and xdr-stats read a row per customer and month like the usage summary instead of
-- every data session. Kept current with the other sums by every write path (repositories/rollups.py).
ALTER TABLE usage_daily
  ADD COLUMN social_bytes BIGINT NULL,
  ADD COLUMN google_bytes BIGINT NULL,
  ADD COLUMN email_bytes BIGINT NULL,
  ADD COLUMN youtube_bytes BIGINT NULL,
  ADD COLUMN netflix_bytes BIGINT NULL,
  ADD COLUMN gaming_bytes BIGINT NULL,
  ADD COLUMN other_bytes BIGINT NULL;

ALTER TABLE usage_monthly
  ADD COLUMN social_bytes BIGINT NULL,
  ADD COLUMN google_bytes BIGINT NULL,
  ADD COLUMN email_bytes BIGINT NULL,
  ADD COLUMN youtube_bytes BIGINT NULL,
  ADD COLUMN netflix_bytes BIGINT NULL,
  ADD COLUMN gaming_bytes BIGINT NULL,
  ADD COLUMN other_bytes BIGINT NULL;

-- an existing database: the days so far, from the records (months already archived have no
-- records here and keep NULL: `db rollups rebuild` after restoring one fills them)
UPDATE usage_daily u JOIN (
  SELECT t.customer_id, DATE(t.started_at) AS day, SUM(t.social_dl + t.social_ul) AS social_bytes, SUM(t.google_dl + t.google_ul) AS google_bytes, SUM(t.email_dl + t.email_ul) AS email_bytes, SUM(t.youtube_dl + t.youtube_ul) AS youtube_bytes, SUM(t.netflix_dl + t.netflix_ul) AS netflix_bytes, SUM(t.gaming_dl + t.gaming_ul) AS gaming_bytes, SUM(t.other_dl + t.other_ul) AS other_bytes
  FROM data_sessions t GROUP BY t.customer_id, DATE(t.started_at)
) x ON x.customer_id = u.customer_id AND x.day = u.day
SET u.social_bytes = x.social_bytes, u.google_bytes = x.google_bytes, u.email_bytes = x.email_bytes, u.youtube_bytes = x.youtube_bytes, u.netflix_bytes = x.netflix_bytes, u.gaming_bytes = x.gaming_bytes, u.other_bytes = x.other_bytes;

UPDATE usage_monthly u JOIN (
  SELECT customer_id, day - INTERVAL (DAYOFMONTH(day) - 1) DAY AS month, SUM(social_bytes) AS social_bytes, SUM(google_bytes) AS google_bytes, SUM(email_bytes) AS email_bytes, SUM(youtube_bytes) AS youtube_bytes, SUM(netflix_bytes) AS netflix_bytes, SUM(gaming_bytes) AS gaming_bytes, SUM(other_bytes) AS other_bytes
  FROM usage_daily GROUP BY customer_id, day - INTERVAL (DAYOFMONTH(day) - 1) DAY
) x ON x.customer_id = u.customer_id AND x.month = u.month
SET u.social_bytes = x.social_bytes, u.google_bytes = x.google_bytes, u.email_bytes = x.email_bytes, u.youtube_bytes = x.youtube_bytes, u.netflix_bytes = x.netflix_bytes, u.gaming_bytes = x.gaming_bytes, u.other_bytes = x.other_bytes;
