"""Churn: the pipeline on the BigML split (accuracy, AUC) and risk with reasons on hand-made customers."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from telco_console.errors import NotFoundError, ValidationError
from telco_console.repositories import usage
from telco_console.repositories.base import execute, fetch_all
from telco_console.services import customers
from telco_console.services.intelligence import churn
from telco_console.services.report_registry import ReportParams, find
from tests.helpers import make_customer, make_plan


def test_bigml_validation_metrics(ctx, real_data):
    rep = find("churn-validation").run(ctx, ReportParams(extra={"path": str(real_data / "churn")}))
    m = dict(rep.rows)
    assert m["accuracy"] >= 0.93
    assert m["ROC AUC"] >= 0.90
    assert m["precision (churners)"] >= 0.85 and m["recall (churners)"] >= 0.65
    assert m["test rows"] == 667
    runs = ctx.db.run(fetch_all, "SELECT model, status, rows_used, metrics FROM model_runs")
    assert runs[0]["model"] == "churn-validation" and runs[0]["status"] == "done" and runs[0]["rows_used"] == 3333
    assert '"roc_auc"' in runs[0]["metrics"]


def test_bigml_bad_path(ctx, tmp_path):
    with pytest.raises(NotFoundError):
        churn.validation_report(ctx, tmp_path)
    (tmp_path / churn.BIGML_TRAIN).write_text("a,b\n1,2\n")
    (tmp_path / churn.BIGML_TEST).write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="not the BigML churn layout"):
        churn.validation_report(ctx, tmp_path)
    runs = ctx.db.run(fetch_all, "SELECT status FROM model_runs")
    assert [r["status"] for r in runs] == ["failed", "failed"]


# The world is built relative to today, so that tenure (which counts to today) keeps the same
# relation to the usage whatever the date the suite runs on.
TODAY = date.today()


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _night_calls(cid, n, tag):
    return [(cid, datetime.combine(_ago(40 - i % 25), time(23, 10)), "out", "+447700900001", 300, 290, 1,
             "ANSWERED", 0, "test", f"{tag}{i}") for i in range(n)]


def _day_calls(cid, n, tag):
    return [(cid, datetime.combine(_ago(40 - i % 25), time(10, 10)), "out", "+447700900001", 120, 110, 1,
             "ANSWERED", 0, "test", f"{tag}{i}") for i in range(n)]


@pytest.fixture
def world(ctx):
    make_plan(ctx)
    make_plan(ctx, code="PREMIUM", name="Premium", monthly_fee="40.00")
    calls, people = [], {}
    for i in range(6):      # closed: night callers with enquiries
        c = make_customer(ctx, f"+4479111230{i:02d}", f"Gone {i}", since=str(_ago(325 - 30 * i)))
        calls += _night_calls(c["id"], 12 + i, f"g{i}-")
        people[f"gone{i}"] = c
    for i in range(6):      # loyal: day callers
        c = make_customer(ctx, f"+4479111231{i:02d}", f"Loyal {i}", "PREMIUM", since=str(_ago(280 - 30 * i)))
        calls += _day_calls(c["id"], 10 + i, f"l{i}-")
        people[f"loyal{i}"] = c
    for i in range(2):      # look like those who left
        c = make_customer(ctx, f"+4479111232{i:02d}", f"Risky {i}", since=str(_ago(255 - 30 * i)))
        calls += _night_calls(c["id"], 24 + i, f"r{i}-")
        people[f"risky{i}"] = c

    def setup(conn):
        usage.write_batch(conn, "test", None, calls=calls)
        for key, c in people.items():
            if key.startswith(("gone", "risky")):
                for k in range(3):
                    execute(conn, "INSERT INTO enquiries (customer_id, subject, body, created_at, created_by)"
                                  " VALUES (%s, 'bill', 'why so high', %s, 'test')",
                            (c["id"], datetime.combine(_ago(30), time(9))))
    ctx.db.run(setup)
    for i in range(6):
        customers.close_customer(ctx, people[f"gone{i}"]["msisdn"], str(_ago(12 - i)))
    return people


def test_features_by_time_of_day(ctx, world):
    ft = churn.build_features(ctx)
    i = ft.msisdns.index(world["gone0"]["msisdn"])
    col = {n: j for j, n in enumerate(ft.names)}
    assert ft.X[i, col["night_calls"]] > 0 and ft.X[i, col["day_calls"]] == 0
    assert ft.X[i, col["enquiries"]] == 3 and ft.X[i, col["plan=BASIC"]] == 1
    assert ft.status[i] == "closed"


def test_risk_ranks_lookalikes_first_with_reasons(ctx, world):
    rep = find("churn-risk").run(ctx, ReportParams(top=5))
    top2 = {r[0] for r in rep.rows[:2]}
    assert top2 == {world["risky0"]["msisdn"], world["risky1"]["msisdn"]}
    assert rep.rows[0][1] > rep.rows[-1][1]
    assert "night minutes" in rep.rows[0][2] and "night minutes" in rep.rows[1][2]
    assert len(rep.rows) == 5 and rep.sections[0].rows       # importance table
    runs = ctx.db.run(fetch_all, "SELECT model, status, rows_used FROM model_runs")
    assert runs == [{"model": "churn-risk", "status": "done", "rows_used": 14}]


def test_needs_closed_customers(ctx):
    make_plan(ctx)
    make_customer(ctx)
    with pytest.raises(ValidationError, match="at least 3 closed"):
        churn.score(ctx)
