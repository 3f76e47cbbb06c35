"""outcome-knn on a real outcome (planted fading leavers) and usage-regression (planted nonlinear appetite)."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import numpy as np
import pytest

from analytics_data import insert, session
from telco_console.errors import ValidationError
from telco_console.repositories.base import fetch_all
from telco_console.services.intelligence import outcomes
from telco_console.services.report_registry import ReportParams, find
from tests.helpers import make_customer, make_plan
from tests.test_intelligence_churn import _world


def test_knn_learns_the_outcome_and_names_the_lookalikes(ctx):
    world = _world(ctx, fade=True)
    rep = find("outcome-knn").run(ctx, ReportParams(top=3))
    chosen = next(r for r in rep.rows if r[-1] == "chosen")
    assert chosen[3] >= 0.9                                   # CV ROC AUC of the chosen k
    assert all(r[4] == pytest.approx(18 / 22) for r in rep.rows)  # 4 of 22 accounts closed: the baseline
    held = dict(rep.sections[0].rows)
    assert held["ROC AUC"] >= 0.9
    top = {r[0] for r in rep.sections[1].rows[:2]}
    assert top == {world["risky0"]["msisdn"], world["risky1"]["msisdn"]}
    run = ctx.db.run(fetch_all, "SELECT model, metrics FROM model_runs")[0]
    assert run["model"] == "outcome-knn" and json.loads(run["metrics"])["k"] == chosen[0]


def test_trees_beat_a_line_on_a_nonlinear_appetite():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 10, (400, 3))
    y = np.where(X[:, 0] > 5, 3.0, 0.0) * np.sin(X[:, 1]) + 0.1 * rng.normal(size=400)
    got = outcomes.fit_compare(X, y, ["a", "b", "c"])
    (_, r2_trees, _, cv_trees), (_, r2_line, _, _), (_, r2_mean, _, _) = got["results"]
    assert r2_trees > 0.8 > 0.2 > r2_line and r2_mean <= 0 and cv_trees > 0.7
    assert got["test_rows"] == 100 and got["importance"][-1][0] == "c"


def test_usage_regression_report_on_planted_customers(ctx):
    """24 customers: those on MAX use 50 MB a day, the others 2 MB; plan is what the trees must find."""
    make_plan(ctx)
    make_plan(ctx, code="MAX", name="Max", monthly_fee="30.00")
    today = ctx.now().date()
    rows = []
    for i in range(24):
        big = i % 2 == 0
        c = make_customer(ctx, f"+447911140{i:03d}", f"C{i}", plan="MAX" if big else "BASIC",
                          since=str(today - timedelta(days=200)))
        for d in range(1, 11):
            start = today - timedelta(days=d)
            v = int((50e6 if big else 2e6) * (1 + 0.05 * (d % 3)))
            rows.append(session(c["id"], d, 60, v, 0, start=datetime.combine(start, time(12))))
    insert(ctx, rows)
    rep = find("usage-regression").run(ctx, ReportParams())
    models = {r[0]: r for r in rep.rows}
    assert models["gradient-boosted trees (nonlinear)"][1] > 0.5 > models["the training mean"][1]
    assert rep.sections[0].rows[0][0].startswith("plan=")
    with pytest.raises(ValidationError, match="no bills"):
        find("usage-regression").run(ctx, ReportParams(extra={"target": "spend"}))
