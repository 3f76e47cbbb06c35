"""Usage outliers by robust z-score, with the reason."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from telco_console.errors import ValidationError
from telco_console.repositories import usage
from telco_console.repositories.base import fetch_all
from telco_console.services.intelligence import outliers
from telco_console.services.report_registry import ReportParams, find
from tests.helpers import make_customer, make_plan


def test_robust_z():
    z, med = outliers.robust_z([1, 2, 3, 4, 100])
    assert med == 3 and z[2] == 0 and z[4] > 3.5
    assert outliers.robust_z([5, 5, 5])[0] is None
    z, _ = outliers.robust_z([0, 0, 0, 0, 10])       # MAD 0: falls back to the mean deviation
    assert z[4] > 3.5


@pytest.fixture
def world(ctx):
    make_plan(ctx)
    calls, sms = [], []
    for i in range(8):
        c = make_customer(ctx, f"+4479111235{i:02d}", f"User {i}")
        n = 5 + i % 3 if i != 7 else 60
        calls += [(c["id"], datetime(2026, 10, 1 + k % 20, 10), "out", "+447700900001", 70, 60, 1, "ANSWERED",
                   0, "test", f"c{i}-{k}") for k in range(n)]
        sms += [(c["id"], datetime(2026, 10, 1 + k, 12), "out", "+447700900001", 10, 0, "test", f"s{i}-{k}")
                for k in range(3 + i % 2)]
    ctx.db.run(lambda conn: usage.write_batch(conn, "test", None, calls=calls, sms=sms))


def test_flags_the_heavy_caller_with_why(ctx, world):
    rep = find("usage-outliers").run(ctx, ReportParams(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31)))
    assert [r[0] for r in rep.rows] == ["+447911123507"]
    assert "calls 60.0 vs median" in rep.rows[0][3] and "minutes" in rep.rows[0][3]
    assert "SMS" not in rep.rows[0][3]
    runs = ctx.db.run(fetch_all, "SELECT model, status, rows_used FROM model_runs")
    assert runs == [{"model": "outliers-robust-z", "status": "done", "rows_used": 8}]


def test_window_and_threshold(ctx, world):
    assert outliers.outliers_report(ctx, date(2026, 11, 1), date(2026, 11, 20)).rows == []
    with pytest.raises(ValidationError, match="after the end"):
        outliers.find(ctx, date(2026, 10, 31), date(2026, 10, 1))
    with pytest.raises(ValidationError, match="above 0"):
        outliers.find(ctx, threshold=0)
