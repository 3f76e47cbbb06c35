"""Churn: a model validated on the BigML split, and the risk of our own customers.

BigML (validate_bigml): features (raw or engineered, State or not), tree size and the decision
threshold are chosen by stratified 5-fold cross-validation on churn-bigml-80 only; the winner is
trained on all of it and tested once on churn-bigml-20, with percentile-bootstrap 95% intervals.
The two files ship with the program (telco_console/data/churn).

Our customers (select_risk_model, score): point-in-time features computed from what was known
before a cut-off date, the label is whether the account closed in the window after it. The tree size
is chosen by CV on an earlier cut-off, and the model is checked on a later one (time split); that
selection is stored as a model run and reused by the risk list the same day. Reasons: permutation
importance on the later cut-off ranks the features; for one customer each feature's weight is its
importance times how far the customer's value sits from the population (robust z: (value - median) /
scaled MAD), counted only when it is off the median in the direction in which closed customers
differ from the others. The top three, with the direction, are shown."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from telco_console.context import AppContext
from telco_console.errors import NotFoundError, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import intelligence as repo
from telco_console.services.analytics import tracking

ROLES = ("analyst", "admin")
MIN_PER_CLASS = 3
BIGML_TRAIN = "churn-bigml-80.csv"
BIGML_TEST = "churn-bigml-20.csv"

PER_DAY = ["calls", "minutes", "intl_calls", "sms", "sessions", "data_mb"]
FEATURE_LABELS = {
    "tenure_days": "tenure (days)",
    "calls": "calls /day", "minutes": "call minutes /day", "intl_calls": "international calls /day",
    "sms": "SMS /day", "sessions": "data sessions /day", "data_mb": "data MB /day",
    "trend": "activity trend (log, recent half vs earlier)", "active_share": "share of days active",
    "idle_days": "days since last active", "enquiries": "enquiries", "overdue_bills": "overdue bills",
}
NUMERIC = ["tenure_days", *PER_DAY, "trend", "active_share", "idle_days", "enquiries", "overdue_bills"]


# ---------------------------------------------------------------------------------------------
# the pipeline shared by the database and the BigML validation

def single_thread():
    """Limit OpenMP/BLAS to one thread around model work: on a small, shared machine the
    gradient-boosting grower spins its threads against other processes (measured: a 300-row fit
    takes 12.9 s with the default threads under load, 0.28 s with one)."""
    import sklearn.ensemble
    import sklearn.neighbors  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def metrics(y_true, proba, threshold: float = 0.5) -> dict:
    from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score

    pred = (proba >= threshold).astype(int)
    out = {"accuracy": float(accuracy_score(y_true, pred)),
           "precision_churn": float(precision_score(y_true, pred, zero_division=0)),
           "recall_churn": float(recall_score(y_true, pred, zero_division=0)),
           "rows": len(y_true), "churners": int(sum(y_true))}
    out["roc_auc"] = float(roc_auc_score(y_true, proba)) if 0 < sum(y_true) < len(y_true) else None
    return out


def log_loss_of(y, proba) -> float:
    """Binary log loss (the boosting's own loss) of probabilities against 0/1 labels."""
    import numpy as np

    p = np.clip(proba, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def robust_stats(X):
    import numpy as np

    med = np.median(X, axis=0)
    mad = np.median(np.abs(X - med), axis=0) * 1.4826
    fallback = np.mean(np.abs(X - med), axis=0) * 1.2533
    scale = np.where(mad > 0, mad, np.where(fallback > 0, fallback, 1.0))
    return med, scale


# ---------------------------------------------------------------------------------------------
# BigML / Orange churn data

BIGML_NUMERIC = ["Account length", "Area code", "Number vmail messages", "Total day minutes", "Total day calls",
                 "Total day charge", "Total eve minutes", "Total eve calls", "Total eve charge",
                 "Total night minutes", "Total night calls", "Total night charge", "Total intl minutes",
                 "Total intl calls", "Total intl charge", "Customer service calls"]
BIGML_YESNO = ["International plan", "Voice mail plan"]
BIGML_ENGINEERED = ["total minutes", "total charges", "total calls", "service calls >= 4",
                    "intl plan x intl minutes", "intl plan x intl calls"]
PACKAGED = "packaged BigML split (telco_console/data/churn)"
CV_FOLDS = 5
BOOTSTRAP = 1000
# the grid searched by cross-validation on the training file only
FEATURE_SETS = ("raw", "engineered")
STATE_CHOICES = (False, True)
LEAF_CHOICES = (31, 15)          # max_leaf_nodes: the default, and a smaller tree


def _bigml_text(directory: str | Path | None, name: str):
    """(label, open text stream) of one BigML file: from `directory`, else the packaged copy."""
    if directory is None:
        from importlib.resources import files

        return f"{name} (packaged)", files("telco_console").joinpath("data", "churn", name).open(
            "r", newline="", encoding="utf-8")
    path = Path(directory) / name
    if not path.is_file():
        raise NotFoundError(f"no such file: {path}")
    return path.name, path.open(newline="", encoding="utf-8")


def _read_bigml(directory, name: str, states: list[str] | None = None):
    """(X, y, states): State as an index into `states`, the numeric columns, yes/no plans as 0/1."""
    import numpy as np

    label, fh = _bigml_text(directory, name)
    with fh:
        rows = list(csv.DictReader(fh))
    need = ["State", *BIGML_NUMERIC, *BIGML_YESNO, "Churn"]
    if not rows or any(c not in rows[0] for c in need):
        raise ValidationError(f"{label} is not the BigML churn layout (needs columns {', '.join(need)})")
    states = states if states is not None else sorted({r["State"] for r in rows})
    index = {s: i for i, s in enumerate(states)}
    X, y = [], []
    for line, r in enumerate(rows, start=2):
        try:
            X.append([index.get(r["State"], np.nan)] + [float(r[c]) for c in BIGML_NUMERIC]
                     + [1.0 if r[c].strip().lower() == "yes" else 0.0 for c in BIGML_YESNO])
        except ValueError:
            raise ValidationError(f"{label} line {line}: a number column holds text") from None
        y.append(1 if r["Churn"].strip().lower() in ("true", "1", "yes") else 0)
    return np.array(X, dtype=float), np.array(y), states


def bigml_features(X, feature_set: str, with_state: bool):
    """The model's matrix from a _read_bigml matrix: State (column 0, categorical) first when kept,
    then the raw columns, then (engineered) total minutes, total charges, total calls, customer-service
    calls >= 4, and the international plan times international minutes and calls."""
    import numpy as np

    raw = X[:, 1:]
    c = {n: i for i, n in enumerate(BIGML_NUMERIC)}
    parts = [X[:, :1]] if with_state else []
    parts.append(raw)
    if feature_set == "engineered":
        def col(name):
            return raw[:, c[name]]

        intl_plan = raw[:, len(BIGML_NUMERIC)]
        parts.append(np.column_stack([
            sum(col(f"Total {p} minutes") for p in ("day", "eve", "night", "intl")),
            sum(col(f"Total {p} charge") for p in ("day", "eve", "night", "intl")),
            sum(col(f"Total {p} calls") for p in ("day", "eve", "night", "intl")),
            (col("Customer service calls") >= 4).astype(float),
            intl_plan * col("Total intl minutes"), intl_plan * col("Total intl calls")]))
    return np.hstack(parts)


def _hgb(leaves: int, with_state: bool, seed: int = 0):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=seed, max_leaf_nodes=leaves,
                                          categorical_features=[0] if with_state else None)


def best_threshold(y, proba) -> float:
    """The decision threshold with the best accuracy on out-of-fold probabilities (ties: nearest 0.5)."""
    import numpy as np

    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    acc = np.array([np.mean((proba >= t) == y) for t in grid])
    best = np.flatnonzero(acc >= acc.max() - 1e-12)
    return float(grid[best[np.argmin(np.abs(grid[best] - 0.5))]])


def auc_fast(y, proba) -> float:
    """ROC AUC by ranks (Mann-Whitney U), ties counted half: equal to roc_auc_score, fast enough to
    bootstrap a thousand times."""
    from scipy.stats import rankdata

    pos = y == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(proba)
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def bootstrap_ci(y, proba, threshold: float, n: int = BOOTSTRAP, seed: int = 0) -> dict:
    """95% percentile intervals of test ROC AUC, accuracy, recall and precision (churners) over `n`
    resamples of the test rows with replacement."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pred = (proba >= threshold).astype(int)
    out = {"roc_auc": [], "accuracy": [], "recall_churn": [], "precision_churn": []}
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        yy, pp, dd = y[i], proba[i], pred[i]
        if 0 < yy.sum() < len(yy):
            out["roc_auc"].append(auc_fast(yy, pp))
        out["accuracy"].append(float(np.mean(yy == dd)))
        if yy.sum():
            out["recall_churn"].append(float(np.mean(dd[yy == 1])))
        if dd.sum():
            out["precision_churn"].append(float(np.mean(yy[dd == 1])))
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in out.items() if v}


def select_bigml(X, y, seed: int = 0) -> dict:
    """Stratified 5-fold cross-validation on the training rows only over the grid (feature set x State
    kept or not x tree size); the best mean ROC AUC wins, then the threshold that maximises the
    out-of-fold accuracy of the winner. Returns the choice, the grid's scores and the winner's CV figures."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    folds = list(StratifiedKFold(CV_FOLDS, shuffle=True, random_state=seed).split(X, y))
    grid, best = [], None
    for fs in FEATURE_SETS:
        for with_state in STATE_CHOICES:
            M = bigml_features(X, fs, with_state)
            for leaves in LEAF_CHOICES:
                oof = np.zeros(len(y))
                aucs = []
                for train, test in folds:
                    model = _hgb(leaves, with_state, seed).fit(M[train], y[train])
                    oof[test] = model.predict_proba(M[test])[:, 1]
                    aucs.append(auc_fast(y[test], oof[test]))
                row = {"features": fs, "state": with_state, "max_leaf_nodes": leaves,
                       "cv_auc": float(np.mean(aucs)), "cv_auc_sd": float(np.std(aucs)), "oof": oof}
                grid.append(row)
                if best is None or row["cv_auc"] > best["cv_auc"] + 1e-12:
                    best = row
    threshold = best_threshold(y, best["oof"])
    cv_acc = float(np.mean((best["oof"] >= threshold) == y))
    cv_recall = float(np.mean(best["oof"][y == 1] >= threshold))
    return {"features": best["features"], "state": best["state"], "max_leaf_nodes": best["max_leaf_nodes"],
            "threshold": threshold, "cv_auc": best["cv_auc"], "cv_auc_sd": best["cv_auc_sd"],
            "cv_accuracy": cv_acc, "cv_recall_churn": cv_recall,
            "grid": [{k: v for k, v in g.items() if k != "oof"} for g in grid]}


def validate_bigml(directory: str | Path | None = None, seed: int = 0) -> dict:
    """Choose features, tree size and threshold by cross-validation on churn-bigml-80 only, train on
    all of it, and test once on churn-bigml-20: metrics at the chosen threshold with bootstrap 95%
    intervals. `directory` None reads the copy packaged with the program."""
    Xtr, ytr, states = _read_bigml(directory, BIGML_TRAIN)
    Xte, yte, _ = _read_bigml(directory, BIGML_TEST, states)
    with single_thread():
        choice = select_bigml(Xtr, ytr, seed)
        fs, st, leaves = choice["features"], choice["state"], choice["max_leaf_nodes"]
        Mtr = bigml_features(Xtr, fs, st)
        model = _hgb(leaves, st, seed).fit(Mtr, ytr)
        proba = model.predict_proba(bigml_features(Xte, fs, st))[:, 1]
        train_loss = log_loss_of(ytr, model.predict_proba(Mtr)[:, 1])
    m = metrics(yte, proba, choice["threshold"])
    m.update(train_rows=len(ytr), model=type(model).__name__, n_iter=int(model.n_iter_),
             train_loss=train_loss,
             ci=bootstrap_ci(yte, proba, choice["threshold"], seed=seed), choice=choice,
             accuracy_at_half=float(((proba >= 0.5) == yte).mean()))
    return m


def validation_report(ctx: AppContext, directory: str | Path | None = None) -> Report:
    ctx.check("intelligence.run")
    source = str(directory) if directory is not None else PACKAGED
    with tracking.tracked(ctx, "churn-validation", {"path": source, "train": BIGML_TRAIN, "test": BIGML_TEST,
                                                   "grid": {"features": FEATURE_SETS, "state": STATE_CHOICES,
                                                            "max_leaf_nodes": LEAF_CHOICES},
                                                   "cv_folds": CV_FOLDS, "bootstrap": BOOTSTRAP}) as run:
        m = validate_bigml(directory)
        run.rows = m["train_rows"] + m["rows"]
        run.metrics = {k: v for k, v in m.items() if k != "choice"}
        run.metrics["choice"] = {k: v for k, v in m["choice"].items() if k != "grid"}
        run.metrics["convergence"] = {"iterations": m["n_iter"], "final_train_loss": m["train_loss"]}
    run_id = run.id
    c, ci = m["choice"], m["ci"]
    report = Report("Churn model validation (BigML churn data)", [Column("Measure"), Column("Value", "float", 3)],
                    filters={"data": source})
    report.rows = [["ROC AUC", m["roc_auc"]], ["ROC AUC 95% CI low", ci["roc_auc"][0]],
                   ["ROC AUC 95% CI high", ci["roc_auc"][1]],
                   ["accuracy", m["accuracy"]], ["accuracy 95% CI low", ci["accuracy"][0]],
                   ["accuracy 95% CI high", ci["accuracy"][1]],
                   ["recall (churners)", m["recall_churn"]], ["recall 95% CI low", ci["recall_churn"][0]],
                   ["recall 95% CI high", ci["recall_churn"][1]],
                   ["precision (churners)", m["precision_churn"]],
                   ["precision 95% CI low", ci["precision_churn"][0]],
                   ["precision 95% CI high", ci["precision_churn"][1]],
                   ["decision threshold", c["threshold"]],
                   ["CV ROC AUC (training, 5-fold)", c["cv_auc"]], ["CV ROC AUC sd", c["cv_auc_sd"]],
                   ["CV accuracy at threshold", c["cv_accuracy"]], ["CV recall at threshold", c["cv_recall_churn"]],
                   ["test rows", float(m["rows"])], ["churners in test", float(m["churners"])],
                   ["boosting iterations", float(m["n_iter"])], ["final training log loss", m["train_loss"]]]
    grid = Report(f"Model selection: {CV_FOLDS}-fold cross-validation on {BIGML_TRAIN} only",
                  [Column("Features"), Column("State"), Column("Max leaf nodes", "int"),
                   Column("CV ROC AUC", "float", 4), Column("sd", "float", 4), Column("")])
    for g in m["choice"]["grid"]:
        chosen = (g["features"], g["state"], g["max_leaf_nodes"]) == (c["features"], c["state"],
                                                                       c["max_leaf_nodes"])
        grid.rows.append([g["features"], "kept" if g["state"] else "left out", g["max_leaf_nodes"], g["cv_auc"],
                          g["cv_auc_sd"], "chosen" if chosen else ""])
    grid.notes.append("engineered = the raw columns plus " + ", ".join(BIGML_ENGINEERED))
    report.sections.append(grid)
    report.notes.append(
        f"{m['model']} ({c['features']} features, State {'kept' if c['state'] else 'left out'}, "
        f"max_leaf_nodes {c['max_leaf_nodes']}) chosen by the best mean {CV_FOLDS}-fold CV ROC AUC on "
        f"{BIGML_TRAIN} ({m['train_rows']} rows); threshold {c['threshold']:.2f} maximises the out-of-fold "
        f"accuracy; trained once on all of {BIGML_TRAIN}, tested once on {BIGML_TEST}")
    report.notes.append(f"95% intervals: percentile bootstrap of the {m['rows']} test rows ({BOOTSTRAP} resamples); "
                        f"model run #{run_id}")
    return report


# ---------------------------------------------------------------------------------------------
# customers in the database: point-in-time features, a time split, one stored selection

RISK_MODEL = "churn-risk-model"      # the selection and time-split validation, stored once
WINDOW_DAYS = 7
HISTORY_DAYS = 14
LEAF_GRID = (7, 15, 31)
NEAR_CHANCE = 0.6


@dataclass
class FeatureTable:
    cutoff: object          # date
    ids: list[int]
    msisdns: list[str]
    status: list[str]
    names: list[str]        # feature names (numeric, then plan one-hot)
    X: object               # numpy array
    y: object               # 1 = closed within the window after the cut-off


def build_features(ctx: AppContext, cutoff, history_days: int = HISTORY_DAYS, window_days: int = WINDOW_DAYS,
                   plans: list[str] | None = None) -> FeatureTable:
    """One row per customer on the books at `cutoff`, from what was known that day (see
    repositories.intelligence.churn_snapshot): tenure, usage per observed day, the trend of the last
    half of the history against the first, idle days, enquiries, overdue bills, plan one-hot."""
    import numpy as np

    rows = ctx.db.run(repo.churn_snapshot, cutoff, history_days, window_days)
    plans = plans if plans is not None else sorted({r["plan_code"] for r in rows})
    names = NUMERIC + [f"plan={p}" for p in plans]
    X = np.zeros((len(rows), len(names)))
    for i, r in enumerate(rows):
        days = max(1.0, float(r["observed_days"] or 0))
        X[i, 0] = float(r["tenure_days"])
        for j, f in enumerate(PER_DAY, start=1):
            X[i, j] = float(r[f] or 0) / days
        X[i, len(PER_DAY) + 1] = np.log1p(float(r["recent_events"] or 0)) - np.log1p(float(r["earlier_events"] or 0))
        X[i, len(PER_DAY) + 2] = float(r["active_days"] or 0) / days
        X[i, len(PER_DAY) + 3] = float(r["idle_days"] or 0)
        X[i, len(PER_DAY) + 4] = float(r["enquiries"] or 0)
        X[i, len(PER_DAY) + 5] = float(r["overdue_bills"] or 0)
        if r["plan_code"] in plans:
            X[i, len(NUMERIC) + plans.index(r["plan_code"])] = 1.0
    return FeatureTable(cutoff, [r["id"] for r in rows], [r["msisdn"] for r in rows], [r["status"] for r in rows],
                        names, X, np.array([int(r["closes"]) for r in rows]))


def _label(name: str) -> str:
    return FEATURE_LABELS.get(name, name)


def _risk_model(leaves: int, n_rows: int, seed: int = 0):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=seed, max_leaf_nodes=leaves,
                                          min_samples_leaf=max(1, min(20, n_rows // 20)))


def _need(ft: FeatureTable, what: str, window_days: int) -> None:
    churned = int(ft.y.sum())
    if churned < MIN_PER_CLASS or len(ft.y) - churned < MIN_PER_CLASS:
        raise ValidationError(
            f"churn needs at least {MIN_PER_CLASS} accounts closed and {MIN_PER_CLASS} kept in the {window_days} "
            f"days after the {what} cut-off {ft.cutoff} (have {churned} closed of {len(ft.y)}); try another --window")


def cutoffs(today, window_days: int) -> tuple:
    """(training cut-off, validation cut-off): the validation one is the latest whose window has ended,
    the training one a window earlier, so that the training labels end where validation begins."""
    from datetime import timedelta

    second = today - timedelta(days=window_days)
    return second - timedelta(days=window_days), second


def select_risk_model(ctx: AppContext, window_days: int = WINDOW_DAYS, history_days: int = HISTORY_DAYS,
                      seed: int = 0) -> dict:
    """Model selection once, stored as a model run: tree size by stratified CV on the earlier cut-off,
    then the time-split check (trained on the earlier cut-off, scored on the later one, ROC AUC with a
    bootstrap 95% interval), and permutation importance measured on the later cut-off."""
    import numpy as np

    ctx.check("intelligence.run")
    first, second = cutoffs(ctx.now().date(), window_days)
    params = {"window_days": window_days, "history_days": history_days, "seed": seed,
              "train_cutoff": first, "validation_cutoff": second, "grid": {"max_leaf_nodes": LEAF_GRID},
              "model": "HistGradientBoostingClassifier"}
    with tracking.tracked(ctx, RISK_MODEL, params) as run:
        train = build_features(ctx, first, history_days, window_days)
        _need(train, "training", window_days)
        test = build_features(ctx, second, history_days, window_days,
                              plans=[n[5:] for n in train.names if n.startswith("plan=")])
        _need(test, "validation", window_days)
        with single_thread():
            from sklearn.inspection import permutation_importance
            from sklearn.model_selection import StratifiedKFold

            y = train.y
            folds = min(5, int(y.sum()), int(len(y) - y.sum()))
            cv = {}
            for leaves in LEAF_GRID:
                aucs = []
                for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(train.X, y):
                    m = _risk_model(leaves, len(tr), seed).fit(train.X[tr], y[tr])
                    if 0 < y[te].sum() < len(te):
                        aucs.append(auc_fast(y[te], m.predict_proba(train.X[te])[:, 1]))
                cv[leaves] = float(np.mean(aucs)) if aucs else float("nan")
            leaves = max(LEAF_GRID, key=lambda k: (cv[k] if cv[k] == cv[k] else -1, -k))
            model = _risk_model(leaves, len(y), seed).fit(train.X, y)
            proba = model.predict_proba(test.X)[:, 1]
            auc = auc_fast(test.y, proba)
            ci = bootstrap_ci(test.y, proba, 0.5, n=BOOTSTRAP, seed=seed)["roc_auc"]
            imp = permutation_importance(model, test.X, test.y, n_repeats=5, random_state=seed, scoring="roc_auc")
            importance = np.clip(imp.importances_mean, 0, None)
            loss = log_loss_of(y, model.predict_proba(train.X)[:, 1])
        run.rows = len(train.y) + len(test.y)
        run.metrics = {"time_split_auc": auc, "time_split_auc_ci": list(ci), "cv_auc": cv,
                       "max_leaf_nodes": leaves, "importance": dict(zip(train.names, importance.tolist())),
                       "train_rows": len(train.y), "train_closed": int(train.y.sum()),
                       "validation_rows": len(test.y), "validation_closed": int(test.y.sum()),
                       "convergence": {"iterations": int(model.n_iter_), "final_train_loss": loss}}
    return {"run_id": run.id, **run.metrics, "params": params}


def stored_selection(ctx: AppContext, window_days: int, history_days: int) -> dict | None:
    """Today's stored selection for these windows (the latest done run), or None."""
    import json

    from telco_console.repositories import analytics as runs_repo

    first, second = cutoffs(ctx.now().date(), window_days)
    for run in ctx.db.run(runs_repo.list_runs, RISK_MODEL, 20):
        if run["status"] != "done":
            continue
        p = json.loads(run["params"] or "{}")
        if (p.get("window_days"), p.get("history_days"), p.get("validation_cutoff")) == \
                (window_days, history_days, second.isoformat()):
            m = json.loads(run["metrics"] or "{}")
            m["cv_auc"] = {int(k): v for k, v in m.get("cv_auc", {}).items()}
            return {"run_id": run["id"], **m, "params": p}
    return None


def score(ctx: AppContext, window_days: int = WINDOW_DAYS, history_days: int = HISTORY_DAYS,
          reselect: bool = False, seed: int = 0) -> dict:
    """Risk that each active customer closes within `window_days`: the stored selection of today (or a
    new one), one model fitted on the latest cut-off whose window has ended, applied to today's
    features. Reasons: the features that weigh most (permutation importance on the validation cut-off)
    where the customer sits off the median in the direction of those who left."""
    import numpy as np

    ctx.check("intelligence.run")
    sel = None if reselect else stored_selection(ctx, window_days, history_days)
    reused = sel is not None
    if sel is None:
        sel = select_risk_model(ctx, window_days, history_days, seed)
    _, second = cutoffs(ctx.now().date(), window_days)
    train = build_features(ctx, second, history_days, window_days)
    _need(train, "latest", window_days)
    plans = [n[5:] for n in train.names if n.startswith("plan=")]
    now = build_features(ctx, ctx.now().date(), history_days, window_days, plans=plans)
    with tracking.tracked(ctx, "churn-risk", {"selection_run": sel["run_id"], "fitted_on": second,
                                              "max_leaf_nodes": sel["max_leaf_nodes"],
                                              "window_days": window_days, "history_days": history_days}) as run, \
            single_thread():
        model = _risk_model(int(sel["max_leaf_nodes"]), len(train.y), seed).fit(train.X, train.y)
        active = [i for i, s in enumerate(now.status) if s == "active"]
        proba = model.predict_proba(now.X[active])[:, 1] if active else np.zeros(0)
        run.rows = len(train.y) + len(active)
        run.metrics = {"scored": len(active), "convergence": {
            "iterations": int(model.n_iter_),
            "final_train_loss": log_loss_of(train.y, model.predict_proba(train.X)[:, 1])}}
    importance = np.array([float(sel["importance"].get(n, 0.0)) for n in train.names])
    if importance.sum() == 0:
        importance = np.ones_like(importance)
    med, scale = robust_stats(train.X)
    gone, kept = train.X[train.y == 1], train.X[train.y == 0]
    toward = np.sign(np.median(gone, axis=0) - np.median(kept, axis=0))
    scored = []
    for k, i in enumerate(active):
        x = now.X[i]
        z = (x - med) / scale
        weight = importance * np.abs(z) * ((z * toward) > 0)
        order = [j for j in np.argsort(-weight) if weight[j] > 0][:3]
        reasons = []
        for j in order:
            name = train.names[j]
            if name.startswith("plan="):
                reasons.append(f"on {name[5:]}" if x[j] else f"not on {name[5:]}")
            else:
                reasons.append(f"{_label(name)} {'high' if z[j] > 0 else 'low'} ({x[j]:.1f} vs median {med[j]:.1f})")
        scored.append({"customer_id": now.ids[i], "msisdn": now.msisdns[i], "risk": float(proba[k]),
                       "reasons": reasons or ["no single feature stands out"]})
    scored.sort(key=lambda s: (-s["risk"], s["customer_id"]))
    ranking = sorted(zip(train.names, importance.tolist()), key=lambda t: -t[1])
    return {"run_id": run.id, "selection": sel, "reused": reused, "scored": scored, "importance": ranking,
            "fitted_on": second, "rows": len(train.y), "closed": int(train.y.sum())}


def chance_note(auc: float) -> str | None:
    if auc != auc:
        return "the time-split ROC AUC could not be measured"
    if auc < NEAR_CHANCE:
        return (f"the time-split ROC AUC is {auc:.2f}, near 0.5: the model ranks these customers barely better "
                f"than chance; do not act on the order of this list")
    return None


def risk_report(ctx: AppContext, top: int = 20, window_days: int = WINDOW_DAYS, history_days: int = HISTORY_DAYS,
                reselect: bool = False) -> Report:
    result = score(ctx, window_days, history_days, reselect)
    sel = result["selection"]
    auc, (lo, hi) = sel["time_split_auc"], sel["time_split_auc_ci"]
    report = Report(f"Churn risk: top {top} active customers (closing within {window_days} days)", [
        Column("MSISDN"), Column("Risk", "percent", 1), Column("Reasons (weighing most)")],
        filters={"top": top, "window": f"{window_days} days", "history": f"{history_days} days"})
    for s in result["scored"][:top]:
        report.rows.append([s["msisdn"], 100.0 * s["risk"], "; ".join(s["reasons"])])
    valid = Report("How far to trust it: time-split validation", [Column("Measure"), Column("Value", "float", 3)])
    valid.rows = [["time-split ROC AUC", auc], ["time-split ROC AUC 95% CI low", lo],
                  ["time-split ROC AUC 95% CI high", hi]]
    p = sel["params"]
    valid.notes.append(f"trained on features before {p['train_cutoff']} ({sel['train_rows']} accounts, "
                       f"{sel['train_closed']} closed in the {window_days} days after; tree size "
                       f"max_leaf_nodes={sel['max_leaf_nodes']} chosen by CV there), scored on features before "
                       f"{p['validation_cutoff']} ({sel['validation_rows']} accounts, {sel['validation_closed']} "
                       f"closed after it); 95% interval by bootstrap of the validation accounts")
    report.sections.append(valid)
    imp = Report("What weighs most (permutation importance on the validation cut-off, ROC AUC drop)",
                 [Column("Feature"), Column("Importance", "float", 3)])
    imp.rows = [[_label(n), float(v)] for n, v in result["importance"][:8]]
    report.sections.append(imp)
    warn = chance_note(auc)
    if warn:
        report.notes.append("WARNING: " + warn)
    report.notes.append(f"time-split ROC AUC {auc:.3f} (95% CI {lo:.3f}-{hi:.3f}); selection "
                        f"{'reused from' if result['reused'] else 'made in'} model run #{sel['run_id']}")
    report.notes.append(f"model fitted on the {result['rows']} accounts of {result['fitted_on']} "
                        f"({result['closed']} closed within {window_days} days), features from the "
                        f"{history_days} days before each cut-off only; {len(result['scored'])} active customers "
                        f"scored; model run #{result['run_id']}")
    return report
