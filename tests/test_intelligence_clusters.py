"""customer-clusters: K-modes finds three groups planted in categorical data, with the elbow at 3."""
from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest

from telco_console.errors import ValidationError
from telco_console.repositories.base import fetch_all
from telco_console.services.intelligence import clusters
from telco_console.services.report_registry import ReportParams, find
from tests.helpers import make_customer, make_plan

GROUPS = (("BASIC", "North", "Apple iPhone 15", 30), ("MID", "South", "Samsung Galaxy A54", 400),
          ("TOP", "West", "Nokia G21", 1000))


def test_planted_groups_are_recovered_and_the_elbow_is_three(ctx):
    make_plan(ctx)
    make_plan(ctx, code="MID", name="Mid", monthly_fee="20.00")
    make_plan(ctx, code="TOP", name="Top", monthly_fee="40.00")
    today = ctx.now().date()
    rng = np.random.default_rng(1)
    truth = {}
    n = 0
    for g, (_plan, _region, _handset, days) in enumerate(GROUPS):
        for i in range(12):
            # one feature in five is drawn from another group: noise the modes must see through
            noisy = rng.random(3) < 0.2
            pick = [GROUPS[int(rng.integers(3))] if noisy[j] else GROUPS[g] for j in range(3)]
            c = make_customer(ctx, f"+4479112{n:05d}", f"G{g} {i}", plan=pick[0][0], region=pick[1][1],
                              since=str(today - timedelta(days=days)), handset=pick[2][2])
            truth[c["msisdn"]] = g
            n += 1
    rep = find("customer-clusters").run(ctx, ReportParams())
    assert len(rep.rows) == 3 and sum(r[1] for r in rep.rows) == 36
    elbow = rep.sections[0]
    assert [r[0] for r in elbow.rows if "elbow" in r[3]] == [3]
    assert elbow.rows[0][1] > elbow.rows[2][1]
    modes = {r[4].split(" (")[0]: r for r in rep.rows}       # by the cluster's modal plan
    assert set(modes) == {"BASIC", "MID", "TOP"}
    assert modes["MID"][5].startswith("South") and modes["MID"][6].startswith("Samsung")
    assert modes["TOP"][7].startswith("2 years or more") and modes["BASIC"][7].startswith("under 3 months")
    runs = ctx.db.run(fetch_all, "SELECT model, status, metrics, artefact_path FROM model_runs")
    assert runs[0]["model"] == "customer-clusters-kmodes" and runs[0]["status"] == "done"
    metrics = json.loads(runs[0]["metrics"])
    assert metrics["elbow_k"] == 3 and metrics["convergence"]["iterations"] >= 1
    # purity: each planted group sits mostly in one cluster
    with open(runs[0]["artefact_path"]) as fh:
        lines = [line.strip().split(",") for line in fh][1:]
    for g in range(3):
        labels = [int(x[-1]) for x in lines if truth[x[1]] == g]
        assert max(labels.count(c) for c in set(labels)) >= 10


def test_k_can_be_forced_and_bands_and_bad_k(ctx):
    assert clusters.usage_bands([0, 1, 2, 3, 4, 5, 6]) == ["none", "low", "low", "medium", "medium", "high", "high"]
    assert clusters.tenure_band(10) == "under 3 months" and clusters.tenure_band(800) == "2 years or more"
    assert clusters.elbow_k([100.0, 40.0, 35.0, 34.0]) == 2
    make_plan(ctx)
    for i in range(4):
        make_customer(ctx, f"+44791120000{i}", f"C{i}", region="North" if i < 2 else "South")
    rep = find("customer-clusters").run(ctx, ReportParams(extra={"k": "2"}))
    assert len(rep.rows) == 2 and rep.filters["k"] == 2
    with pytest.raises(ValidationError, match="need at least 5 distinct"):
        find("customer-clusters").run(ctx, ReportParams(extra={"k": "5"}))
