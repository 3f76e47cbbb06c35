"""Satisfaction: scores on a hand-computed example, the regression beats predicting the mean, k=2
clusters, scores saved to customer_scores under a model run and shown back by a query."""
from __future__ import annotations

import json

import pytest

from analytics_data import insert, planted_groups, session
from helpers import make_customer, make_plan
from telco_console.errors import NotFoundError
from telco_console.repositories import analytics as repo
from telco_console.services.analytics import satisfaction
from telco_console.services.report_registry import ReportParams


def test_scores_on_a_hand_computed_example():
    import numpy as np

    eng_Z = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0], [-1.0, 0.0, 0.0]])
    exp_Z = np.array([[1.0, 0.0, 0.0], [1.0, 2.0, 0.0], [1.0, -2.0, 0.0]])
    # engagement: from (0,0,0) towards (1,0,0); experience: from (1,0,0) towards (1,1,0)
    e, x, s = satisfaction.scores(eng_Z, [0, 0, 0], [1, 0, 0], exp_Z, [1, 0, 0], [1, 1, 0])
    assert e.tolist() == pytest.approx([0.0, 3.0, -1.0])   # the customer beyond the low centre ranks lowest
    assert x.tolist() == pytest.approx([0.0, 2.0, -2.0])
    assert s.tolist() == pytest.approx([0.0, 2.5, -1.5])
    # the literal distance ranks the least engaged customer (row 3) above row 1
    e, x, s = satisfaction.scores(eng_Z, [0, 0, 0], [1, 0, 0], exp_Z, [1, 0, 0], [1, 1, 0], how="distance")
    assert e.tolist() == pytest.approx([0.0, 5.0, 1.0]) and x.tolist() == pytest.approx([0.0, 2.0, 2.0])


def test_regression_is_held_out_and_compared_with_the_mean_and_a_line():
    import numpy as np

    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 4))
    y = np.where(X[:, 0] > 0, 2.0, -1.0) * X[:, 1] ** 2 + 0.1 * rng.normal(size=400)   # nonlinear
    result = satisfaction.regression(X, y)
    assert result["test_rows"] == 100 and result["train_rows"] == 300
    assert result["r2"] > 0.7 > 0.2 > result["linear_r2"] and result["baseline_r2"] <= 0
    assert result["iterations"] > 0


def _data(ctx):
    rows, groups = planted_groups(varied=True)
    insert(ctx, rows)
    return groups


def test_report_saves_scores_under_a_run_and_shows_them_back(ctx, tmp_path):
    make_plan(ctx)
    make_customer(ctx, "+447911000001", "First", region="North")      # customer id 1
    _data(ctx)
    rep = satisfaction.report(ctx, ReportParams(top=10))
    run_id = rep.rows[2][1]
    assert rep.rows[0] == ["customers scored", 60] and rep.rows[3] == ["scores saved to customer_scores", 60]
    top = rep.sections[0]
    assert len(top.rows) == 10 and top.rows[0][4] >= top.rows[-1][4]
    reg = rep.sections[1]
    values = {r[0]: r[1] for r in reg.rows}
    assert values["held-out customers"] == 15 and "R² of a linear model (ridge)" in values
    assert values["R² of predicting the mean"] <= 0
    clusters = rep.sections[2]
    assert sum(r[1] for r in clusters.rows) == 60 and clusters.rows[0][2] < clusters.rows[1][2]
    from telco_console.reporting.plot import save

    assert save(rep, str(tmp_path / "satisfaction.png")) and (tmp_path / "satisfaction.png").stat().st_size > 1000

    run = ctx.db.run(repo.get_run, run_id)
    metrics = json.loads(run["metrics"])
    assert run["status"] == "done" and run["model"] == "satisfaction" and run["rows_used"] == 60
    assert "r2" in metrics and "baseline_r2" in metrics and metrics["convergence"]["iterations"] > 0
    saved = ctx.db.run(repo.scores, run_id)
    assert len(saved) == 60
    assert all(r["satisfaction"] == pytest.approx((r["engagement"] + r["experience"]) / 2) for r in saved)
    assert top.rows[0][4] == pytest.approx(saved[0]["satisfaction"])

    shown = satisfaction.saved_scores_report(ctx, ReportParams(top=5))
    assert shown.filters["run"] == run_id and len(shown.rows) == 5
    assert shown.rows[0][3] == pytest.approx(saved[0]["satisfaction"])
    one = satisfaction.saved_scores_report(ctx, ReportParams(customer="07911 000001", extra={"run": run_id}))
    assert len(one.rows) == 1 and one.rows[0][0] == "+447911000001"


def test_scores_report_without_a_run_says_what_to_do(ctx):
    with pytest.raises(NotFoundError, match="run `telco-console report satisfaction` first"):
        satisfaction.saved_scores_report(ctx, ReportParams())


def test_few_customers_skip_the_regression_with_a_reason(ctx):
    insert(ctx, [session(c, 0, 10 * c, 1000 * c, 10 * c, rtt=(10 * c, 1), tp=(100, 10)) for c in range(1, 6)])
    rep = satisfaction.report(ctx, ReportParams())
    assert rep.rows[0] == ["customers scored", 5]
    assert rep.sections[1].is_empty() and "too few customers" in rep.sections[1].empty_message


def test_the_regression_learns_from_plan_and_handset_not_from_the_score_ingredients(ctx):
    """60 customers: those on the MAX plan with a good handset use a lot and see good service; the
    others little and poor. Predicting satisfaction from plan, tenure, handset and mix beats the mean
    on held-out customers; the score ranks the heavy, well-served customers on top."""
    import numpy as np

    make_plan(ctx)
    make_plan(ctx, code="MAX", name="Max", monthly_fee="30.00")
    rng = np.random.default_rng(4)
    rows = []
    for i in range(60):
        good = i % 2 == 0
        c = make_customer(ctx, f"+4479110010{i:02d}", f"C {i}", plan="MAX" if good else "BASIC",
                          handset="Apple iPhone 15" if good else "Nokia G21")
        for n in range(8 if good else 2):
            v = int((150e6 if good else 3e6) * rng.uniform(0.7, 1.3))
            rows.append(session(c["id"], n, (900 if good else 90) * rng.uniform(0.7, 1.3), v, v // 10,
                                apps={"youtube": (v // 2, v // 20)},
                                rtt=((25 if good else 120) * rng.uniform(0.8, 1.2), 5),
                                tp=((9000 if good else 400) * rng.uniform(0.8, 1.2), 100),
                                tcp=(int((1000 if good else 60000) * rng.uniform(0.8, 1.2)), 100)))
    insert(ctx, rows)
    rep = satisfaction.report(ctx, ReportParams(top=10))
    values = {r[0]: r[1] for r in rep.sections[1].rows}
    assert values["R² on held-out customers"] > 0.5 > values["R² of predicting the mean"]
    top = rep.sections[0].rows
    assert all(int(r[1][-2:]) % 2 == 0 for r in top)      # the MAX-plan customers
