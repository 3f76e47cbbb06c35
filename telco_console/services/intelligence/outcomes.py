"""Models of real outcomes (the CRM paper's classification and regression):

- outcome-knn: k-nearest neighbours on the churn snapshots' point-in-time features (log1p and
  z-scores), where the label is an outcome that happened (the account closed within the window
  after the cut-off), not a rule computed from the same features. k is chosen by stratified
  5-fold cross-validation on the earlier cut-off (ROC AUC, since leavers are few); the
  report shows CV accuracy, balanced accuracy and ROC AUC beside the majority-class baseline, the
  same figures on the later cut-off (time split), and the active customers whose nearest
  neighbours left most often.
- usage-regression: spend (billed revenue a month) or data appetite (MB a day) against usage and
  customer features, gradient-boosted trees against a linear baseline and the mean, on customers
  held out before anything is fitted, with permutation importance."""
from __future__ import annotations

from datetime import timedelta

from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import intelligence as repo
from telco_console.services.analytics import tracking
from telco_console.services.intelligence import churn

ROLES = ("analyst", "admin")
K_GRID = (3, 5, 11, 21)
TARGETS = ("data", "spend")
TEST_SHARE = 0.25


def _knn_matrix(X, names):
    """log1p of the non-negative counts and rates (heavy-tailed), the trend as it is."""
    import numpy as np

    out = X.copy()
    for j, n in enumerate(names):
        if n != "trend" and not n.startswith("plan="):
            out[:, j] = np.log1p(np.clip(out[:, j], 0, None))
    return out


def _knn(k: int, n_rows: int):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=min(k, max(1, n_rows - 1))))


def _scores(y, pred, proba) -> dict:
    import numpy as np

    pos, neg = y == 1, y == 0
    recall1 = float(np.mean(pred[pos] == 1)) if pos.any() else float("nan")
    recall0 = float(np.mean(pred[neg] == 0)) if neg.any() else float("nan")
    return {"accuracy": float(np.mean(pred == y)), "balanced_accuracy": (recall1 + recall0) / 2,
            "roc_auc": churn.auc_fast(y, proba) if 0 < y.sum() < len(y) else float("nan"),
            "majority_accuracy": float(max(np.mean(y), 1 - np.mean(y)))}


def knn_report(ctx: AppContext, top: int = 20, window_days: int = churn.WINDOW_DAYS,
               history_days: int = churn.HISTORY_DAYS, seed: int = 0) -> Report:
    import numpy as np

    ctx.check("intelligence.run")
    first, second = churn.cutoffs(ctx.now().date(), window_days)
    with tracking.tracked(ctx, "outcome-knn", {"label": f"closed within {window_days} days of the cut-off",
                                               "history_days": history_days, "k_grid": K_GRID,
                                               "cutoffs": [first, second]}) as run:
        train = churn.build_features(ctx, first, history_days, window_days)
        churn._need(train, "training", window_days)
        plans = [n[5:] for n in train.names if n.startswith("plan=")]
        test = churn.build_features(ctx, second, history_days, window_days, plans=plans)
        churn._need(test, "validation", window_days)
        now = churn.build_features(ctx, ctx.now().date(), history_days, window_days, plans=plans)
        Xtr, Xte, Xnow = (_knn_matrix(f.X, train.names) for f in (train, test, now))
        y = train.y
        with churn.single_thread():
            from sklearn.model_selection import StratifiedKFold

            folds = min(5, int(y.sum()), int(len(y) - y.sum()))
            cv = {}
            for k in K_GRID:
                pred, proba = np.zeros(len(y), dtype=int), np.zeros(len(y))
                for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(Xtr, y):
                    m = _knn(k, len(tr)).fit(Xtr[tr], y[tr])
                    proba[te] = m.predict_proba(Xtr[te])[:, 1]
                    pred[te] = (proba[te] > 0.5).astype(int)
                cv[k] = _scores(y, pred, proba)
            best = max(K_GRID, key=lambda k: (np.nan_to_num(cv[k]["roc_auc"]), -k))
            model = _knn(best, len(y)).fit(Xtr, y)
            p_te = model.predict_proba(Xte)[:, 1]
            held = _scores(test.y, (p_te > 0.5).astype(int), p_te)
            final = _knn(best, len(test.y)).fit(Xte, test.y)        # the latest complete labels
            active = [i for i, s in enumerate(now.status) if s == "active"]
            p_now = final.predict_proba(Xnow[active])[:, 1] if active else np.zeros(0)
        run.rows = len(y) + len(test.y)
        run.metrics = {"k": best, "cv": {str(k): v for k, v in cv.items()}, "time_split": held}
    report = Report(f"KNN on a real outcome: closed within {window_days} days (k = {best} by cross-validation)",
                    [Column("k", "int"), Column("CV accuracy", "float", 3), Column("CV balanced accuracy", "float", 3),
                     Column("CV ROC AUC", "float", 3), Column("Majority-class accuracy", "float", 3), Column("")],
                    filters={"window": f"{window_days} days", "history": f"{history_days} days"})
    for k in K_GRID:
        s = cv[k]
        report.rows.append([k, s["accuracy"], s["balanced_accuracy"], s["roc_auc"], s["majority_accuracy"],
                            "chosen" if k == best else ""])
    report.notes.append(f"label: the account closed within {window_days} days after the cut-off (an outcome, not a "
                        f"rule of the features); features: the churn-risk point-in-time features, log1p and "
                        f"z-scores; stratified {folds}-fold CV on the {len(y)} accounts of {first} "
                        f"({int(y.sum())} closed); k chosen by CV ROC AUC: leavers are few, so plain accuracy sits "
                        f"near the majority class's and balanced accuracy (the mean of both classes' recall) "
                        f"says how well each class is told")
    report.sections.append(Report(f"Time split: trained at {first}, scored at {second}",
                                  [Column("Measure"), Column("Value", "float", 3)],
                                  [["accuracy", held["accuracy"]], ["balanced accuracy", held["balanced_accuracy"]],
                                   ["ROC AUC", held["roc_auc"]],
                                   ["majority-class accuracy", held["majority_accuracy"]]]))
    order = np.lexsort((np.array([now.ids[i] for i in active]), -p_now))[:top] if active else []
    report.sections.append(Report(f"Active customers whose {best} nearest neighbours left most often",
                                  [Column("MSISDN"), Column("Neighbours who left", "percent", 0)],
                                  [[now.msisdns[active[i]], 100.0 * float(p_now[i])] for i in order],
                                  notes=[f"neighbours among the {len(test.y)} accounts of {second} and their outcome; "
                                         f"model run #{run.id}"]))
    return report


# ---------------------------------------------------------------------------------------------

def regression_data(ctx: AppContext, target: str, months: int) -> tuple:
    """(X, y, names, rows): per active or suspended customer, usage per day (minutes, SMS, data
    sessions are left out of the data target), plan, tenure, handset maker and region one-hot; y is
    data MB a day (log1p) or billed revenue a month."""
    import numpy as np

    if target not in TARGETS:
        raise ValidationError(f"--target is one of {', '.join(TARGETS)}")
    today = ctx.now().date()
    since = today - timedelta(days=30 * months)
    rows = ctx.db.run(repo.value_features, today, since.replace(day=1))
    if len(rows) < 20:
        raise ValidationError(f"the regression needs at least 20 customers; there are {len(rows)}")
    days = np.array([max(1.0, min(float((today - r["created_on"]).days), 30.0 * months)) for r in rows])
    y = (np.log1p(np.array([float(r["data_mb"]) for r in rows]) / days) if target == "data"
         else np.array([float(r["revenue"]) for r in rows]) / (days / 30.44))
    if target == "spend" and not np.any(y):
        raise ValidationError(f"no bills in the last {months} months: run a bill run, or use --target data")
    cols = [np.array([float(r["minutes"]) for r in rows]) / days, np.array([float(r["sms"]) for r in rows]) / days,
            np.array([float((today - r["created_on"]).days) for r in rows])]
    names = ["minutes a day", "SMS a day", "tenure (days)"]
    if target == "spend":
        cols.append(np.array([float(r["data_mb"]) for r in rows]) / days)
        names.append("data MB a day")
    X = np.column_stack(cols)
    for label, values in (("plan", [r["plan_code"] for r in rows]), ("region", [r["region"] or "" for r in rows]),
                          ("maker", [(r["handset"] or "").split(" ")[0] or "unknown" for r in rows])):
        levels = sorted(set(values))
        X = np.hstack([X, np.array([[v == lv for lv in levels] for v in values], dtype=float)])
        names += [f"{label}={lv}" for lv in levels]
    return X, y, names, rows


def fit_compare(X, y, names: list[str], seed: int = 0) -> dict:
    """Hold out TEST_SHARE of the rows first; fit gradient-boosted trees and ridge on the rest (with
    5-fold CV R² there); R² and MAE of both and of the training mean on the held-out rows; permutation
    importance of the trees on the held-out rows."""
    import numpy as np

    with churn.single_thread():
        from sklearn.ensemble import HistGradientBoostingRegressor
        from sklearn.inspection import permutation_importance
        from sklearn.linear_model import Ridge
        from sklearn.metrics import mean_absolute_error, r2_score
        from sklearn.model_selection import cross_val_score, train_test_split
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        tr, te = train_test_split(np.arange(len(y)), test_size=TEST_SHARE, random_state=seed)
        leaf = max(2, min(20, len(tr) // 10))
        trees = HistGradientBoostingRegressor(random_state=seed, min_samples_leaf=leaf, max_leaf_nodes=15)
        line = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
        cv_trees = cross_val_score(trees, X[tr], y[tr], cv=5, scoring="r2")
        cv_line = cross_val_score(line, X[tr], y[tr], cv=5, scoring="r2")
        trees.fit(X[tr], y[tr])
        line.fit(X[tr], y[tr])
        results = []
        for label, model, cvs in (("gradient-boosted trees (nonlinear)", trees, cv_trees),
                                  ("ridge regression (linear)", line, cv_line)):
            pred = model.predict(X[te])
            results.append([label, float(r2_score(y[te], pred)), float(mean_absolute_error(y[te], pred)),
                            float(np.mean(cvs))])
        mean = np.full(len(te), float(np.mean(y[tr])))
        results.append(["the training mean", float(r2_score(y[te], mean)), float(mean_absolute_error(y[te], mean)),
                        None])
        imp = permutation_importance(trees, X[te], y[te], n_repeats=5, random_state=seed)
    ranking = sorted(zip(names, imp.importances_mean.tolist()), key=lambda t: -t[1])[:8]
    return {"results": results, "importance": ranking, "test_rows": len(te), "iterations": int(trees.n_iter_)}


def regression_report(ctx: AppContext, target: str = "data", months: int = 3, seed: int = 0) -> Report:

    ctx.check("intelligence.run")
    X, y, names, rows = regression_data(ctx, target, months)
    what = "data appetite: log1p of MB a day" if target == "data" else "spend: billed revenue a month"
    with tracking.tracked(ctx, "usage-regression", {"target": what, "months": months, "test_share": TEST_SHARE,
                                                    "features": names}) as run:
        fitted = fit_compare(X, y, names, seed)
        results, ranking, te = fitted["results"], fitted["importance"], fitted["test_rows"]
        run.rows = len(y)
        run.metrics = {"r2_trees": results[0][1], "r2_linear": results[1][1], "r2_mean": results[2][1],
                       "convergence": {"iterations": fitted["iterations"]}}
    report = Report(f"Usage regression: {what}", [
        Column("Model"), Column("R² held out", "float", 3), Column("MAE held out", "float", 3),
        Column("CV R² (training, 5-fold)", "float", 3)], results, filters={"target": target, "months": months})
    report.notes.append(f"{len(y)} customers; {te} held out before anything was fitted; features: "
                        + ", ".join(n for n in names if "=" not in n) + ", plan, region and handset maker one-hot"
                        + ("; data volumes are left out of the data target's features" if target == "data" else ""))
    report.notes.append("the nonlinear model beats the linear one on the held-out customers"
                        if results[0][1] > results[1][1] else
                        "the nonlinear model does NOT beat the linear one on the held-out customers")
    report.sections.append(Report("What the trees use (permutation importance on the held-out customers, R² drop)",
                                  [Column("Feature"), Column("Importance", "float", 3)],
                                  [[n, v] for n, v in ranking], notes=[f"model run #{run.id}"]))
    return report
