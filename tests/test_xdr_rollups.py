"""The per-application bytes in usage_daily/usage_monthly (migration 073): kept by every write path,
NULL exactly when SUM over the records is NULL, checked and rebuilt with the other sums, and what
the xDR reports read (repositories/reports.xdr_per_user_sql) equal to a count of the records."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from helpers import make_customer, make_plan
from reports_data import data
from telco_console.repositories import reports as repo
from telco_console.repositories import usage
from telco_console.repositories.base import execute, fetch_all
from telco_console.services import maintenance
from telco_console.services.report_registry import ReportParams
from telco_console.services.reports import run_report

START = date(2026, 2, 20)
DAYS = 80


def _sessions(ids, n, seed):
    """Data sessions whose applications are recorded in every pattern: both sides, one side only
    (DL + NULL is NULL, so it adds nothing), or not at all; one customer never records gaming."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        cid = rng.choice(ids)
        at = datetime.combine(START, datetime.min.time()) + timedelta(days=rng.randrange(DAYS),
                                                                      seconds=rng.randrange(86400))
        apps = {}
        for a in usage.APPS:
            if a == "gaming" and cid == ids[0]:
                continue
            pick = rng.random()
            if pick < 0.5:
                apps[a] = (rng.randrange(0, 5_000_000), rng.randrange(0, 500_000))
            elif pick < 0.65:
                apps[a] = (rng.randrange(0, 5_000_000), None)
        rows.append(data(cid, at, dl=rng.randrange(0, 50_000_000), ul=rng.randrange(0, 5_000_000),
                         duration_ms=rng.randrange(1_000, 3_600_000), apps=apps))
    return rows


@pytest.fixture
def sessions(ctx, tmp_path):
    """Sessions for 4 customers over 80 days through the three write paths: INSERT with the
    rollups read back by batch id (write_batch), LOAD DATA with the sums made in Python
    (load_batch, every row new), and LOAD DATA of a batch with duplicates (read back)."""
    make_plan(ctx)
    ids = [make_customer(ctx, f"+44791177700{i}", region=("North", "South")[i % 2])["id"] for i in range(4)]
    scratch = str(tmp_path / "scratch.tsv")
    rows = _sessions(ids, 700, 11)
    assert usage.rollup_sums("data", rows[80:400], lambda ids: {}) is not None     # summed in Python
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, data=rows[:80]))
    ctx.db.run(lambda conn: usage.load_batch(conn, "test", None, scratch, data=rows[80:400]))
    ctx.db.run(lambda conn: usage.load_batch(conn, "test", None, scratch, data=rows[300:]))
    return ids


EDGES = [None, date(2026, 2, 25), date(2026, 3, 1), date(2026, 3, 16), date(2026, 3, 31), date(2026, 4, 1),
         date(2026, 4, 30), date(2026, 5, 7)]


def _by_customer(rows):
    return {r["customer_id"]: {k: (None if v is None else int(v)) for k, v in r.items() if k != "customer_id"}
            for r in rows}


def test_the_rollups_give_the_records_sums_for_every_range(ctx, sessions):
    checked = 0
    for day_from in EDGES:
        for day_to in EDGES:
            if day_from and day_to and day_from > day_to:
                continue
            rolled = ctx.db.run(fetch_all, *repo.xdr_per_user_sql(day_from, day_to))
            counted = ctx.db.run(fetch_all, *repo.xdr_per_user_raw_sql(day_from, day_to))
            assert _by_customer(rolled) == _by_customer(counted), (day_from, day_to)
            checked += 1
    assert checked == 7 * 8 // 2 + 7 + 8
    whole = _by_customer(ctx.db.run(fetch_all, *repo.xdr_per_user_sql()))
    assert whole[sessions[0]]["gaming"] is None            # never recorded: missing, not 0
    assert all(v["social"] is not None for v in whole.values())
    # the region filter reads the same rollups
    north = _by_customer(ctx.db.run(fetch_all, *repo.xdr_per_user_sql(None, None, "North")))
    assert set(north) == {sessions[0], sessions[2]}


def test_xdr_reports_read_the_rollups(ctx, sessions):
    r = run_report(ctx, "xdr-overview", ReportParams(top=10))
    assert len(r.rows) == 4
    counted = _by_customer(ctx.db.run(fetch_all, *repo.xdr_per_user_raw_sql()))
    assert sum(r.rows[i][1] for i in range(4)) == sum(v["sessions"] for v in counted.values())
    stats = run_report(ctx, "xdr-stats", ReportParams())
    gaming = next(row for row in stats.rows if row[0].startswith("Gaming"))
    assert gaming[1:3] == [3, 1]                            # count 3 users, 1 missing


def test_check_finds_a_wrong_application_sum_and_rebuild_repairs_it(ctx, sessions):
    assert maintenance.check_rollups(ctx).rows == []
    ctx.db.run(execute, "UPDATE usage_daily SET youtube_bytes = COALESCE(youtube_bytes, 0) + 1"
                        " WHERE customer_id = %s AND data_sessions > 0 LIMIT 1", (sessions[1],))
    ctx.db.run(execute, "UPDATE usage_monthly SET gaming_bytes = 0 WHERE customer_id = %s", (sessions[0],))
    found = maintenance.check_rollups(ctx).rows
    assert found and len(found) >= 2
    maintenance.rebuild_rollups(ctx)
    assert maintenance.check_rollups(ctx).rows == []
    whole = _by_customer(ctx.db.run(fetch_all, *repo.xdr_per_user_sql()))
    assert whole == _by_customer(ctx.db.run(fetch_all, *repo.xdr_per_user_raw_sql()))


def test_the_migration_fills_the_application_bytes_of_an_existing_database(ctx, sessions, _owner_db):
    """Migration 073 on a database that already has sessions and rollups: as after its ALTERs
    (the new columns NULL everywhere), its UPDATEs give the sums the records give."""
    from telco_console.db import migrations

    mig = next(m for m in migrations.available() if m.version == 73)
    updates = [s for s in mig.statements() if s.startswith("UPDATE")]
    assert len(updates) == 2
    nulls = ", ".join(f"{c} = NULL" for c in ("social_bytes", "google_bytes", "email_bytes", "youtube_bytes",
                                                 "netflix_bytes", "gaming_bytes", "other_bytes"))
    with _owner_db.transaction() as conn:
        execute(conn, f"UPDATE usage_daily SET {nulls}")
        execute(conn, f"UPDATE usage_monthly SET {nulls}")
    assert maintenance.check_rollups(ctx).rows != []
    with _owner_db.transaction() as conn:
        for sql in updates:
            execute(conn, sql)
    assert maintenance.check_rollups(ctx).rows == []
    assert _by_customer(ctx.db.run(fetch_all, *repo.xdr_per_user_sql())) == \
        _by_customer(ctx.db.run(fetch_all, *repo.xdr_per_user_raw_sql()))
