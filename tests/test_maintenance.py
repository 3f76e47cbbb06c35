"""services/maintenance.py: monthly partitions, archive/restore round trip, rollup check."""
from __future__ import annotations

import json
import zipfile
from datetime import date, datetime

import pytest

from helpers import make_customer, make_plan
from telco_console.errors import PermissionDenied, ValidationError
from telco_console.repositories import partitions as parts
from telco_console.repositories import usage
from telco_console.repositories.base import execute, fetch_all, fetch_value
from telco_console.services import maintenance


def _data_row(cid, when, ref, dl=1000, ul=200):
    row = dict.fromkeys(usage.DATA_COLS)
    row.update(customer_id=cid, started_at=when, ended_at=when, duration_ms=60000, bytes_dl=dl, bytes_ul=ul,
               handset_type="Phone, \"quoted\"\nline", extra="\\N is not null", source="test", source_ref=ref)
    return tuple(row[c] for c in usage.DATA_COLS)


@pytest.fixture
def usage_data(ctx):
    make_plan(ctx, code="BASIC")
    a = make_customer(ctx, "+447911123456", region="North")["id"]
    b = make_customer(ctx, "+447911123457", region="South")["id"]
    calls, sms, data = [], [], []
    for month in (3, 4):
        for i, cid in enumerate((a, b, a)):
            when = datetime(2026, month, 10 + i, 9 + i, 30, 0, 125000)
            calls.append((cid, when, "out", "+447700900001", 95, 90, 1, "ANSWERED", 0, "test", f"c{month}-{i}"))
            calls.append((cid, when, "in", "+447700900002", 30, 0, 0, "NO ANSWER", 1, "test", f"ci{month}-{i}"))
            sms.append((cid, when, "out", "+447700900003", 40, 0, "test", f"s{month}-{i}"))
            data.append(_data_row(cid, when, f"d{month}-{i}"))
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=calls, sms=sms, data=data))
    return a, b


def _counts(ctx, first):
    return {t: ctx.db.run(parts.count_month, t, first) for t in parts.USAGE_TABLES}


def _rollups(ctx):
    return ctx.db.run(lambda conn: (fetch_all(conn, "SELECT * FROM usage_daily ORDER BY customer_id, day"),
                                    fetch_all(conn, "SELECT * FROM usage_hourly ORDER BY day, hour, region")))


def test_usage_tables_are_partitioned_by_month_without_foreign_keys(ctx):
    report = maintenance.list_partitions(ctx)
    names = {(r[0], r[1]) for r in report.rows}
    for table in parts.USAGE_TABLES:
        assert (table, "pmax") in names
        assert any(t == table and n.startswith("p2026") for t, n in names)
    fks = ctx.db.run(fetch_value, "SELECT COUNT(*) FROM information_schema.referential_constraints"
                                  " WHERE constraint_schema = DATABASE() AND (table_name IN"
                                  " ('calls','sms','data_sessions') OR referenced_table_name IN"
                                  " ('calls','sms','data_sessions'))")
    assert fks == 0


def test_a_record_lands_in_its_months_partition(ctx, usage_data):
    with ctx.owner_db().connection() as conn:
        p = parts.split_out_month(conn, "calls", date(2026, 4, 1))
        assert p.name == "p202604" and p.is_month(date(2026, 4, 1))
        assert parts.row_count(conn, "calls", p.name) == 6


def test_add_future_months_splits_the_catch_all(ctx):
    added = maintenance.add_future_months(ctx, 12)
    with ctx.owner_db().connection() as conn:
        for table in ("sms", "usage_daily"):
            last = parts.partitions(conn, table)
            assert last[-1].name == "pmax"
            assert all(p.upper is None or p.upper == parts.next_month(p.lower) for p in last[1:])
    assert maintenance.add_future_months(ctx, 12) == {t: [] for t in parts.PARTITIONED_TABLES}
    assert added["calls"] == added["usage_daily"] and isinstance(added["calls"], list)


def test_usage_daily_is_partitioned_by_month_and_a_range_reads_only_its_months(ctx, usage_data):
    """A usage report over days of March reads March's partition of usage_daily, not the table."""
    from telco_console.repositories import reports as repo

    with ctx.owner_db().connection() as conn:
        names = [p.name for p in parts.partitions(conn, "usage_daily")]
        assert "pmax" in names and any(n.startswith("p2026") for n in names)
        parts.split_out_month(conn, "usage_daily", date(2026, 3, 1))
        sql, params = repo.usage_per_customer_sql(date(2026, 3, 5), date(2026, 3, 20))
        cur = conn.cursor()
        cur.execute("EXPLAIN PARTITIONS " + sql, tuple(params))
        cols = [d[0] for d in cur.description]
        plans = [dict(zip(cols, r)) for r in cur.fetchall()]
        conn.commit()
    assert [p["partitions"] for p in plans if p["table"] == "d"] == ["p202603"]
    rows = ctx.db.run(repo.usage_report, date(2026, 3, 5), date(2026, 3, 20))
    assert sorted(r[repo.USAGE_COLUMNS.index("calls_out")] for r in rows) == [1, 2]


def test_archive_then_restore_round_trip(ctx, usage_data, tmp_path):
    march, april = date(2026, 3, 1), date(2026, 4, 1)
    before_counts, before_rollups = _counts(ctx, march), _rollups(ctx)
    assert before_counts == {"calls": 6, "sms": 3, "data_sessions": 3}

    results = maintenance.archive(ctx, "2026-04", tmp_path)
    assert [r.month for r in results] == ["2026-03"]
    file = results[0].file
    assert results[0].counts == before_counts
    assert _counts(ctx, march) == {"calls": 0, "sms": 0, "data_sessions": 0}
    assert _counts(ctx, april) == {"calls": 6, "sms": 3, "data_sessions": 3}
    with ctx.owner_db().connection() as conn:
        assert not any(p.is_month(march) for p in parts.partitions(conn, "calls"))
        assert not ctx.db.run(fetch_all, "SHOW TABLES LIKE 'arch\\_%'")
    with zipfile.ZipFile(file) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["month"] == "2026-03" and manifest["tables"]["calls"]["rows"] == 6
    # rollups are kept while archived, and the check skips the archived month
    assert _rollups(ctx) == before_rollups
    assert maintenance.check_rollups(ctx).rows == []
    assert maintenance.archive(ctx, "2026-04", tmp_path) == []

    r = maintenance.restore_archive(ctx, file)
    assert r["inserted"] == before_counts and not r["rollups_rebuilt"]
    assert _counts(ctx, march) == before_counts
    assert _rollups(ctx) == before_rollups
    assert maintenance.check_rollups(ctx).rows == []
    restored = ctx.db.run(fetch_all, "SELECT handset_type, extra, social_dl FROM data_sessions"
                                     " WHERE source_ref = 'd3-0'")[0]
    assert restored == {"handset_type": "Phone, \"quoted\"\nline", "extra": "\\N is not null", "social_dl": None}
    with ctx.owner_db().connection() as conn:
        assert any(p.is_month(march) for p in parts.partitions(conn, "calls"))
    # a second restore adds nothing
    assert maintenance.restore_archive(ctx, file)["inserted"] == dict.fromkeys(parts.USAGE_TABLES, 0)
    assert [a[1] for a in maintenance.list_archives(ctx).rows] == ["2026-03"]


def test_restore_refuses_a_damaged_archive(ctx, usage_data, tmp_path):
    file = maintenance.archive(ctx, "2026-04", tmp_path)[0].file
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(file) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "calls.csv":
                data = data.replace(b"ANSWERED", b"ANSWERES")
            dst.writestr(item, data)
    with pytest.raises(ValidationError, match=r"checksum of calls\.csv"):
        maintenance.restore_archive(ctx, bad)
    assert _counts(ctx, date(2026, 3, 1))["calls"] == 0
    with pytest.raises(ValidationError, match="not a usage archive"):
        (tmp_path / "x.zip").write_text("hello")
        maintenance.restore_archive(ctx, tmp_path / "x.zip")


def test_archive_refuses_bad_input(ctx, as_role, tmp_path):
    with pytest.raises(ValidationError, match="not a billing period"):
        maintenance.archive(ctx, "March", tmp_path)
    with pytest.raises(ValidationError, match="in the future"):
        maintenance.archive(ctx, "2099-01", tmp_path)
    with pytest.raises(PermissionDenied):
        maintenance.archive(as_role("analyst"), "2026-01", tmp_path)


def test_rollup_check_finds_a_planted_difference_and_rebuild_fixes_it(ctx, usage_data):
    a, b = usage_data
    assert maintenance.check_rollups(ctx).rows == []
    ctx.db.run(execute, "UPDATE usage_daily SET sms_out = sms_out + 1 WHERE customer_id = %s AND day = '2026-04-11'",
               (b,))
    ctx.db.run(execute, "DELETE FROM usage_hourly WHERE day = '2026-03-10'")
    ctx.db.run(execute, "INSERT INTO usage_daily (customer_id, day, calls_out) VALUES (%s, '2026-04-20', 1)", (a,))
    found = maintenance.check_rollups(ctx)
    problems = {(r[0], str(r[1]), r[5]) for r in found.rows}
    assert ("usage_daily", "2026-04-11", "differs from a recount") in problems
    assert ("usage_hourly", "2026-03-10", "missing from the rollup") in problems
    assert ("usage_daily", "2026-04-20", "in the rollup but no records") in problems
    assert maintenance.rebuild_rollups(ctx) == ["2026-03", "2026-04"]
    assert maintenance.check_rollups(ctx).rows == []


def test_cli_partitions_archive_and_rollups(ctx, usage_data, run_cli, tmp_path):
    from helpers import make_user

    make_user(ctx, "root", "admin")
    code, out, err = run_cli("db", "partitions", "--format", "csv", user="root", password="correct-horse-9")
    assert code == 0 and "calls,pmax" in out
    code, out, err = run_cli("db", "rollups", "check", user="root", password="correct-horse-9")
    assert code == 0 and (out + err).count("equal a full recount") == 1
    code, out, err = run_cli("db", "archive", "--before", "2026-13", "--dir", str(tmp_path),
                             user="root", password="correct-horse-9")
    assert code == 1 and "not a billing period" in err
    code, out, err = run_cli("db", "archive", "--before", "2026-04", "--dir", str(tmp_path),
                             user="root", password="correct-horse-9")
    assert code == 0 and "archived 2026-03: 6 calls, 3 SMS, 3 data sessions" in out + err
    code, out, err = run_cli("db", "restore-archive", str(tmp_path / "usage-2026-03.zip"),
                             user="root", password="correct-horse-9")
    assert code == 0 and "restored 2026-03" in out + err
