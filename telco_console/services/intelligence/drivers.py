"""Churn drivers: a Bayesian network (services/intelligence/bayesnet.py) learned on discretised
features and churn, its structure as edges, and for each variable linked to churn the conditional
churn probability of each of its states ("customer-service calls 4+: churn 52% vs 11%").

Two data sets: 'ours' (point-in-time features of our customers before a cut-off, label = closed in
the window after: the churn-risk snapshots; learned on the earlier cut-off and validated on the later
one) and 'bigml' (the packaged BigML split: learned on churn-bigml-80, validated on churn-bigml-20).
Validation: ROC AUC of P(churn | the other variables) on the held-out set. Bins are chosen on the
training data only."""
from __future__ import annotations

from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.services.analytics import tracking
from telco_console.services.intelligence import bayesnet as bn
from telco_console.services.intelligence import churn

ROLES = ("analyst", "admin")
DATASETS = ("ours", "bigml")
TARGET = "churn"
LABELS = {  # variable -> words for the report
    "service calls": "customer-service calls", "intl plan": "international plan", "vmail plan": "voice-mail plan",
    "day minutes": "day minutes", "total charges": "total charges", "intl calls": "international calls",
    "intl minutes": "international minutes", "tenure": "tenure", "trend": "activity trend",
    "idle days": "days since last active", "data": "data MB a day", "calls": "calls a day",
    "enquiries": "enquiries", "overdue bills": "overdue bills", "plan": "plan",
}


def terciles(values, cuts=None) -> tuple[list[str], list[float]]:
    """low/mid/high by the training data's terciles (`cuts` from training, for a test set)."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    if cuts is None:
        cuts = [float(x) for x in np.quantile(v, [1 / 3, 2 / 3])]
    return ["low" if x <= cuts[0] else "mid" if x <= cuts[1] else "high" for x in v.tolist()], cuts


def _bigml_columns(X, y, cuts=None) -> tuple[dict, dict]:
    c = {n: i + 1 for i, n in enumerate(churn.BIGML_NUMERIC)}
    cuts = dict(cuts or {})
    charges = sum(X[:, c[f"Total {p} charge"]] for p in ("day", "eve", "night", "intl"))
    day, cuts["day"] = terciles(X[:, c["Total day minutes"]], cuts.get("day"))
    total, cuts["charges"] = terciles(charges, cuts.get("charges"))
    cols = {"service calls": ["4+" if v >= 4 else "0-3" for v in X[:, c["Customer service calls"]]],
            "intl plan": ["yes" if v else "no" for v in X[:, 17]],
            "vmail plan": ["yes" if v else "no" for v in X[:, 18]],
            "day minutes": day, "total charges": total,
            "intl calls": ["0-2" if v <= 2 else "3+" for v in X[:, c["Total intl calls"]]],
            TARGET: ["yes" if v else "no" for v in y]}
    return cols, cuts


def _our_columns(ft, cuts=None) -> tuple[dict, dict]:
    col = {n: j for j, n in enumerate(ft.names)}
    X = ft.X
    cuts = dict(cuts or {})
    data, cuts["data"] = terciles(X[:, col["data_mb"]], cuts.get("data"))
    calls, cuts["calls"] = terciles(X[:, col["calls"]], cuts.get("calls"))
    plans = [n[5:] for n in ft.names if n.startswith("plan=")]
    plan = [next((p for p in plans if X[i, col[f"plan={p}"]]), "other") for i in range(len(X))]
    cols = {"tenure": ["under 90 days" if v < 90 else "90-365 days" if v < 365 else "over a year"
                       for v in X[:, col["tenure_days"]]],
            "trend": ["falling" if v < -0.3 else "steady or rising" for v in X[:, col["trend"]]],
            "idle days": ["0-1" if v <= 1 else "2-6" if v <= 6 else "7+" for v in X[:, col["idle_days"]]],
            "data": data, "calls": calls,
            "enquiries": ["0" if v == 0 else "1+" for v in X[:, col["enquiries"]]],
            "overdue bills": ["0" if v == 0 else "1+" for v in X[:, col["overdue_bills"]]],
            "plan": plan, TARGET: ["yes" if v else "no" for v in ft.y]}
    return cols, cuts


def learn_and_validate(train_cols: dict, test_cols: dict) -> dict:
    """Learn the network on the training columns; AUC of P(churn=yes | the rest) on the test columns."""
    import numpy as np

    codes, names, states = bn.encode(train_cols)
    net = bn.learn(codes, names, states)
    test_codes, _, _ = bn.encode(test_cols, dict(zip(names, states)))
    y = np.array([v == "yes" for v in test_cols[TARGET]], dtype=int)
    proba = bn.predict(net, test_codes, TARGET, "yes")
    auc = churn.auc_fast(y, proba) if 0 < y.sum() < len(y) else float("nan")
    ci = churn.bootstrap_ci(y, proba, 0.5, n=500)["roc_auc"] if 0 < y.sum() < len(y) else (float("nan"),) * 2
    return {"net": net, "auc": auc, "ci": ci, "train_rows": len(codes), "test_rows": len(test_codes),
            "train_churn": float(np.mean([v == "yes" for v in train_cols[TARGET]])), "test_churners": int(y.sum())}


def driver_tables(net: bn.Network) -> list[dict]:
    """For each variable linked to churn (parent or child), P(churn | each of its states), by inference."""
    table = bn.joint(net)
    t = net.index(TARGET)
    linked = sorted(set(net.parents[t]) | {c for c, ps in net.parents.items() if t in ps})
    yes = net.states[t].index("yes")
    base = bn.conditional(net, TARGET, {}, table)[yes]
    out = []
    for v in linked:
        name = net.names[v]
        marg = table.sum(axis=tuple(i for i in range(len(net.names)) if i != v))
        rows = [(s, bn.conditional(net, TARGET, {name: s}, table)[yes], float(marg[i]))
                for i, s in enumerate(net.states[v])]
        spread = max(r[1] for r in rows) - min(r[1] for r in rows)
        out.append({"variable": name, "rows": rows, "spread": spread, "base": base})
    out.sort(key=lambda d: -d["spread"])
    return out


def sentence(d: dict) -> str:
    rows = sorted(d["rows"], key=lambda r: -r[1])
    hi, rest = rows[0], rows[1:]
    others = ", ".join(f"{r[1]:.0%} for {r[0]}" for r in rest)
    return f"customers with {LABELS.get(d['variable'], d['variable'])} {hi[0]}: churn {hi[1]:.0%} vs {others}"


def report(ctx: AppContext, data: str = "ours", window_days: int = churn.WINDOW_DAYS,
           history_days: int = churn.HISTORY_DAYS) -> Report:
    ctx.check("intelligence.run")
    if data not in DATASETS:
        raise ValidationError(f"--data is one of {', '.join(DATASETS)}")
    params = {"data": data, "structure": "hill climbing on BIC, at most 2 parents", "prior": "Laplace 1"}
    if data == "ours":
        params.update(window_days=window_days, history_days=history_days)
    with tracking.tracked(ctx, "churn-drivers-bn", params) as run:
        if data == "bigml":
            Xtr, ytr, states = churn._read_bigml(None, churn.BIGML_TRAIN)
            Xte, yte, _ = churn._read_bigml(None, churn.BIGML_TEST, states)
            train, cuts = _bigml_columns(Xtr, ytr)
            test, _ = _bigml_columns(Xte, yte, cuts)
            where = f"learned on {churn.BIGML_TRAIN}, validated on {churn.BIGML_TEST} (packaged)"
        else:
            first, second = churn.cutoffs(ctx.now().date(), window_days)
            ft_train = churn.build_features(ctx, first, history_days, window_days)
            churn._need(ft_train, "training", window_days)
            ft_test = churn.build_features(ctx, second, history_days, window_days,
                                           plans=[n[5:] for n in ft_train.names if n.startswith("plan=")])
            churn._need(ft_test, "validation", window_days)
            train, cuts = _our_columns(ft_train)
            test, _ = _our_columns(ft_test, cuts)
            where = (f"learned on our customers at {first} (closed within {window_days} days after), validated "
                     f"at {second}")
        r = learn_and_validate(train, test)
        net = r["net"]
        drivers = driver_tables(net)
        run.rows = r["train_rows"] + r["test_rows"]
        run.metrics = {"auc": r["auc"], "auc_ci": list(r["ci"]), "edges": [f"{a} -> {b}" for a, b in net.edges()],
                       "convergence": {"iterations": net.iterations, "final_bic": net.score}}
    title = "BigML churn data" if data == "bigml" else "our customers"
    report = Report(f"Churn drivers ({title}): a Bayesian network", [
        Column("Driver"), Column("State"), Column("Churn", "percent", 1), Column("Share of customers", "percent", 1)],
        filters={"data": data})
    for d in drivers:
        for state, p, share in d["rows"]:
            report.rows.append([LABELS.get(d["variable"], d["variable"]), state, 100.0 * p, 100.0 * share])
    if not drivers:
        report.empty_message = "no variable is linked to churn in the learned network"
    report.notes += [sentence(d) for d in drivers]
    report.notes.append(f"churn overall {drivers[0]['base']:.1%}" if drivers else "")
    edges = Report("Structure (learned edges)", [Column("From"), Column("To")], [list(e) for e in net.edges()],
                   notes=[f"hill climbing on the BIC score from the empty graph, at most 2 parents a variable, "
                          f"{net.iterations} steps; an edge's direction is one of several the data cannot tell "
                          f"apart"], empty_message="no edges: the variables look independent")
    valid = Report("Validation", [Column("Measure"), Column("Value", "float", 3)],
                   [["ROC AUC (held out)", r["auc"]], ["ROC AUC 95% CI low", r["ci"][0]],
                    ["ROC AUC 95% CI high", r["ci"][1]]],
                   notes=[f"P(churn | every other variable) from the network, {where}; {r['train_rows']} training "
                          f"and {r['test_rows']} held-out rows ({r['test_churners']} churned)"])
    report.sections += [edges, valid]
    report.notes = [n for n in report.notes if n]
    report.notes.append(f"model run #{run.id}")
    return report
