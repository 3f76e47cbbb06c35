"""churn-drivers: the Bayesian network finds a planted driver, reads the BigML data sensibly, and
validates on our own customers with a time split."""
from __future__ import annotations

import json

import numpy as np
import pytest

from telco_console.errors import ValidationError
from telco_console.repositories.base import fetch_all
from telco_console.services.intelligence import bayesnet as bn
from telco_console.services.intelligence import drivers
from telco_console.services.report_registry import ReportParams, find
from tests.test_intelligence_churn import _world


def _planted(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, n)
    b = rng.integers(0, 3, n)
    churned = rng.random(n) < np.where(a == 1, 0.6, 0.1)           # A drives churn; B does not
    d = np.where(rng.random(n) < 0.85, churned, ~churned)          # D follows churn
    return {"A": [str(x) for x in a], "B": [str(x) for x in b], "D": [str(int(x)) for x in d],
            "churn": ["yes" if x else "no" for x in churned]}


def test_a_planted_driver_is_found_with_its_probabilities():
    codes, names, states = bn.encode(_planted())
    net = bn.learn(codes, names, states)
    linked = {frozenset(e) for e in net.edges()}
    assert frozenset(("A", "churn")) in linked and frozenset(("D", "churn")) in linked
    assert not any("B" in e for e in linked)
    yes = net.states[net.index("churn")].index("yes")
    assert bn.conditional(net, "churn", {"A": "1"})[yes] == pytest.approx(0.6, abs=0.03)
    assert bn.conditional(net, "churn", {"A": "0"})[yes] == pytest.approx(0.1, abs=0.02)
    # prediction from all the evidence equals the conditional computed from the joint
    row = codes[:1]
    ev = {n: net.states[j][row[0, j]] for j, n in enumerate(names) if n != "churn"}
    assert bn.predict(net, row, "churn", "yes")[0] == pytest.approx(bn.conditional(net, "churn", ev)[yes])
    tables = drivers.driver_tables(net)
    assert tables[0]["variable"] in ("A", "D") and {t["variable"] for t in tables} == {"A", "D"}


def test_independent_variables_give_no_edges():
    rng = np.random.default_rng(1)
    cols = {k: [str(x) for x in rng.integers(0, 2, 2000)] for k in ("X", "Y", "churn")}
    codes, names, states = bn.encode(cols)
    assert bn.learn(codes, names, states).edges() == []


def test_bigml_drivers(ctx):
    rep = find("churn-drivers").run(ctx, ReportParams(extra={"data": "bigml"}))
    rows = {(r[0], r[1]): r for r in rep.rows}
    assert rows[("customer-service calls", "4+")][2] > 40 > 15 > rows[("customer-service calls", "0-3")][2]
    assert rows[("international plan", "yes")][2] > rows[("international plan", "no")][2]
    assert any(n.startswith("customers with customer-service calls 4+: churn") for n in rep.notes)
    edges, valid = rep.sections
    assert any("service calls" in e and "churn" in e for e in map(tuple, edges.rows))
    assert dict(valid.rows)["ROC AUC (held out)"] > 0.8
    run = ctx.db.run(fetch_all, "SELECT model, status, metrics FROM model_runs")[0]
    assert run["model"] == "churn-drivers-bn" and run["status"] == "done"
    assert json.loads(run["metrics"])["convergence"]["iterations"] > 1


def test_drivers_of_our_customers_with_a_time_split(ctx):
    _world(ctx, fade=True)
    rep = find("churn-drivers").run(ctx, ReportParams())
    drivers_found = {r[0] for r in rep.rows}
    assert drivers_found & {"activity trend", "days since last active", "calls a day"}
    assert dict(rep.sections[1].rows)["ROC AUC (held out)"] >= 0.8
    with pytest.raises(ValidationError):
        drivers.report(ctx, "elsewhere")
