"""Analytics SQL: per-customer aggregates of data_sessions (engagement and experience measures),
model_runs and customer_scores. Aggregates are read with an unbuffered cursor in chunks, so the
caller can fill preallocated arrays in bounded memory."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from telco_console.applications import APPS
from telco_console.repositories.base import execute, fetch_all, fetch_one, fetch_value, insert

ENGAGEMENT_COLS = ("sessions", "duration_ms", "traffic_bytes", *[f"{a}_bytes" for a in APPS])
EXPERIENCE_COLS = ("tcp_dl", "tcp_ul", "rtt_dl", "rtt_ul", "tp_dl", "tp_ul")


def _where(date_from: date | None, date_to: date | None, region: str | None,
           alias: str = "d") -> tuple[str, str, list[Any]]:
    """(join, where, params) restricting data sessions by local start date and customer region."""
    conds, params, join = [], [], ""
    if date_from:
        conds.append(f"{alias}.started_at >= %s")
        params.append(datetime.combine(date_from, datetime.min.time()))
    if date_to:
        conds.append(f"{alias}.started_at < %s")
        params.append(datetime.combine(date_to + timedelta(days=1), datetime.min.time()))
    if region:
        join = f" JOIN customers rc ON rc.id = {alias}.customer_id"
        conds.append("rc.region = %s")
        params.append(region)
    return join, (" WHERE " + " AND ".join(conds)) if conds else "", params


def count_customers(conn, date_from=None, date_to=None, region=None) -> int:
    join, where, params = _where(date_from, date_to, region)
    return int(fetch_value(conn, f"SELECT COUNT(DISTINCT d.customer_id) FROM data_sessions d{join}{where}",
                           params) or 0)


def _stream(conn, sql: str, params: Sequence[Any], chunk: int) -> Iterator[list[tuple]]:
    cur = conn.cursor(buffered=False)
    try:
        cur.execute(sql, tuple(params))
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                break
            yield rows
    finally:
        cur.close()


def _engagement_sql(date_from=None, date_to=None, region=None) -> tuple[str, list]:
    """Per customer with data sessions: sessions, duration, traffic and the 7 applications' bytes, from
    the rollups (usage_monthly for whole months, usage_daily for cut ones: repositories.reports),
    not from every data session. An application's bytes are those of the sessions that recorded it
    in both directions (the rollups' rule, shared with the xDR reports)."""
    from telco_console.repositories.reports import xdr_per_user_sql

    inner, params = xdr_per_user_sql(date_from, date_to, region)
    apps = ", ".join(f"CAST(COALESCE(u.{a}, 0) AS DOUBLE)" for a in APPS)
    return (f"SELECT u.customer_id, CAST(u.sessions AS DOUBLE), CAST(u.duration_ms AS DOUBLE), "
            f"CAST(u.bytes_dl + u.bytes_ul AS DOUBLE), {apps} FROM ({inner}) u ORDER BY u.customer_id", params)


def count_engagement(conn, date_from=None, date_to=None, region=None) -> int:
    inner, params = _engagement_sql(date_from, date_to, region)
    return int(fetch_value(conn, f"SELECT COUNT(*) FROM ({inner}) x", params) or 0)


def engagement_chunks(conn, date_from=None, date_to=None, region=None, chunk: int = 20000) -> Iterator[list[tuple]]:
    """Chunks of (customer_id, sessions, duration_ms, traffic, <app bytes DL+UL> x 7), by customer id,
    as DOUBLE (so that they load straight into float arrays); from the rollups (_engagement_sql)."""
    sql, params = _engagement_sql(date_from, date_to, region)
    return _stream(conn, sql, params, chunk)


def experience_chunks(conn, date_from=None, date_to=None, region=None, chunk: int = 20000) -> Iterator[list[tuple]]:
    """Chunks of (customer_id, avg TCP retrans DL, UL, avg RTT DL, UL, avg throughput DL, UL, handset type),
    by customer id. Averages ignore missing values (NULL when a customer has none); the handset is the
    customer's most frequent known handset type (NULL when none is known)."""
    join, where, params = _where(date_from, date_to, region)
    sql = (
        "WITH h AS (SELECT d.customer_id, d.handset_type, COUNT(*) AS n "
        f"  FROM data_sessions d{join}{where}{' AND' if where else ' WHERE'} d.handset_type IS NOT NULL "
        "  AND d.handset_type NOT IN ('', 'undefined') GROUP BY d.customer_id, d.handset_type), "
        "r AS (SELECT customer_id, handset_type, "
        "  ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY n DESC, handset_type) AS rn FROM h), "
        "a AS (SELECT d.customer_id, CAST(AVG(d.tcp_retrans_dl_bytes) AS DOUBLE) AS tcp_dl, "
        "  CAST(AVG(d.tcp_retrans_ul_bytes) AS DOUBLE) AS tcp_ul, CAST(AVG(d.rtt_dl_ms) AS DOUBLE) AS rtt_dl, "
        "  CAST(AVG(d.rtt_ul_ms) AS DOUBLE) AS rtt_ul, CAST(AVG(d.tp_dl_kbps) AS DOUBLE) AS tp_dl, "
        f"  CAST(AVG(d.tp_ul_kbps) AS DOUBLE) AS tp_ul FROM data_sessions d{join}{where} GROUP BY d.customer_id) "
        "SELECT a.customer_id, a.tcp_dl, a.tcp_ul, a.rtt_dl, a.rtt_ul, a.tp_dl, a.tp_ul, r.handset_type "
        "FROM a LEFT JOIN r ON r.customer_id = a.customer_id AND r.rn = 1 ORDER BY a.customer_id")
    return _stream(conn, sql, params + params, chunk)


def msisdns(conn, ids: Sequence[int]) -> dict[int, str]:
    """customer id -> MSISDN for the given ids (one query)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return {}
    rows = fetch_all(conn, f"SELECT id, msisdn FROM customers WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)
    return {r["id"]: r["msisdn"] for r in rows}


def customer_profiles(conn) -> list[tuple]:
    """(id, plan code, created_on, handset maker, region) of every customer: the satisfaction
    regression's predictors that are not ingredients of the scores."""
    cur = conn.cursor()
    try:
        cur.execute("SELECT c.id, p.code, c.created_on, COALESCE(SUBSTRING_INDEX(c.handset, ' ', 1), ''), c.region "
                    "FROM customers c JOIN plans p ON p.id = c.plan_id")
        return cur.fetchall()
    finally:
        cur.close()


# --- model_runs --------------------------------------------------------------------------------

def start_run(conn, model: str, params_json: str, code_version: str, git_commit: str | None,
              started_at: datetime, username: str | None) -> int:
    return insert(conn, "INSERT INTO model_runs (model, params, code_version, git_commit, started_at, status, "
                        "username) VALUES (%s, %s, %s, %s, %s, 'running', %s)",
                  (model, params_json, code_version, git_commit, started_at, username))


def finish_run(conn, run_id: int, finished_at: datetime, rows_used: int, metrics_json: str | None,
               artefact_path: str | None, status: str) -> None:
    execute(conn, "UPDATE model_runs SET finished_at = %s, rows_used = %s, metrics = %s, artefact_path = %s, "
                  "status = %s WHERE id = %s",
            (finished_at, rows_used, metrics_json, artefact_path, status, run_id))


RUN_COLS = ("id, model, params, code_version, git_commit, started_at, finished_at, rows_used, metrics, "
            "artefact_path, status, username")


def get_run(conn, run_id: int) -> dict | None:
    return fetch_one(conn, f"SELECT {RUN_COLS} FROM model_runs WHERE id = %s", (run_id,))


def list_runs(conn, model: str | None = None, limit: int = 50) -> list[dict]:
    where, params = "", []
    if model:
        where, params = " WHERE model = %s", [model]
    return fetch_all(conn, f"SELECT {RUN_COLS} FROM model_runs{where} ORDER BY id DESC LIMIT %s",
                     params + [int(limit)])


def latest_run_id(conn, model: str) -> int | None:
    return fetch_value(conn, "SELECT MAX(id) FROM model_runs WHERE model = %s AND status = 'done'", (model,))


# --- customer_scores ---------------------------------------------------------------------------

def save_scores(conn, run_id: int, rows: Iterable[tuple], batch: int = 5000, on_batch=None) -> int:
    """rows (any iterable, consumed in batches): (customer_id, engagement, experience, satisfaction, cluster).
    on_batch(n) is called after each batch (a progress bar)."""
    cur = conn.cursor()
    sql = ("INSERT INTO customer_scores (run_id, customer_id, engagement, experience, satisfaction, cluster) "
           "VALUES (%s, %s, %s, %s, %s, %s)")
    n = 0
    part: list[tuple] = []
    for r in rows:
        part.append((run_id, *r))
        if len(part) == batch:
            cur.executemany(sql, part)
            n += len(part)
            if on_batch:
                on_batch(len(part))
            part = []
    if part:
        cur.executemany(sql, part)
        n += len(part)
        if on_batch:
            on_batch(len(part))
    cur.close()
    return n


def scores(conn, run_id: int, customer_id: int | None = None, region: str | None = None,
           limit: int | None = None) -> list[dict]:
    """Saved scores of a run, most satisfied first, with the customer's number."""
    conds, params = ["s.run_id = %s"], [run_id]
    if customer_id is not None:
        conds.append("s.customer_id = %s")
        params.append(customer_id)
    if region:
        conds.append("c.region = %s")
        params.append(region)
    sql = ("SELECT s.customer_id, c.msisdn, s.engagement, s.experience, s.satisfaction, s.cluster "
           "FROM customer_scores s LEFT JOIN customers c ON c.id = s.customer_id "
           f"WHERE {' AND '.join(conds)} ORDER BY s.satisfaction DESC, s.customer_id")
    if limit:
        sql += " LIMIT %s"
        params.append(int(limit))
    return fetch_all(conn, sql, params)


def score_summary(conn, run_id: int) -> list[dict]:
    return fetch_all(conn, "SELECT cluster, COUNT(*) AS customers, AVG(engagement) AS engagement, "
                           "AVG(experience) AS experience, AVG(satisfaction) AS satisfaction "
                           "FROM customer_scores WHERE run_id = %s GROUP BY cluster ORDER BY cluster", (run_id,))
