"""Satisfaction: the engagement score (how far a customer sits along the line from the least- to the
most-engaged cluster centre), the experience score (along the line from the worst- to the best-
experience centre), satisfaction as their mean; so that higher always means more use, better
experience, more satisfied. The challenge's literal scores (Euclidean distance to the least-engaged
and worst-experience centres) stay available with --score distance.

The regression predicting satisfaction is not circular: its inputs are not the score's ingredients
but plan, tenure, handset maker, region and the usage mix (each application's share of the
customer's own traffic); customers are split before any scaler or cluster is fitted, the scores of
both halves come from models fitted on the training half, and the held-out R² is shown beside the
R² of predicting the training mean and of a linear model. k-means with k=2 on the two scores; the
scores saved to customer_scores under a model run. compute() makes the models, report() lays them out."""
from __future__ import annotations

from typing import Any

from telco_console.errors import NotFoundError, ValidationError
from telco_console.phone import normalise_msisdn
from telco_console.reporting.report import Bars, Column, Plot, Report
from telco_console.repositories import analytics as repo
from telco_console.repositories import customers as customers_repo
from telco_console.services.analytics import engagement, experience, tracking
from telco_console.services.analytics import features as F

MODEL = "satisfaction"
MIN_REGRESSION_ROWS = 20
TEST_SHARE = 0.25
SCORE_WORDS = {"projected": "position along the line from the least- to the most-engaged centre (log1p z-scores)",
               "distance": "Euclidean distance to the least-engaged centre (log1p z-scores; the challenge's letter)"}
EXP_WORDS = {"projected": "position along the line from the worst- to the best-experience centre (log1p z-scores)",
             "distance": "Euclidean distance to the worst-experience centre (log1p z-scores; the challenge's letter)"}


def scores(eng_Z, eng_low, eng_high, exp_Z, exp_worst, exp_best, how: str = "projected") -> tuple:
    """(engagement score, experience score, satisfaction) arrays (features.score_along)."""
    e = F.score_along(eng_Z, eng_low, eng_high, how)
    x = F.score_along(exp_Z, exp_worst, exp_best, how)
    return e, x, (e + x) / 2.0


def predictors(ctx, ids, eng_apps, exp_handsets) -> tuple:
    """The regression's inputs per customer id: plan, handset maker and region one-hot, tenure in
    days, and each application's share of the customer's traffic. Returns (matrix, column names)."""
    import numpy as np

    today = ctx.now().date()
    prof = {r[0]: r[1:] for r in ctx.db.read(repo.customer_profiles)}
    plans, makers, regions, tenure = [], [], [], []
    for i, cid in enumerate(ids.tolist()):
        p = prof.get(cid)
        plans.append(p[0] if p else "unknown")
        maker = (p[2] if p and p[2] else str(exp_handsets[i]).split(" ")[0]) or "unknown"
        makers.append(maker)
        regions.append(p[3] if p and p[3] else "unknown")
        tenure.append(float((today - p[1]).days) if p and p[1] else np.nan)
    cols, names = [np.array(tenure)[:, None]], ["tenure_days"]
    for label, values in (("plan", plans), ("maker", makers), ("region", regions)):
        levels = sorted(set(values))
        cols.append(np.array([[v == lv for lv in levels] for v in values], dtype=float))
        names += [f"{label}={lv}" for lv in levels]
    total = eng_apps.sum(axis=1, keepdims=True)
    cols.append(np.divide(eng_apps, total, out=np.zeros_like(eng_apps), where=total > 0))
    names += [f"share_{a}" for a in repo.APPS]
    return np.hstack(cols), names


def regression(X, y, seed: int = F.SEED, train=None, test=None) -> dict[str, Any]:
    """Gradient-boosted trees (nonlinear) and ridge (linear) regressions of y on X, fitted on the
    training customers and scored on the held-out ones. Returns r2 (boosted trees), linear_r2,
    baseline_r2 (predicting the training mean), mae, rows, and the boosting's iterations."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if train is None:
        train, test = train_test_split(np.arange(len(y)), test_size=TEST_SHARE, random_state=seed)
    known = np.isfinite(X[train]).any(axis=0)          # a column unknown for every training customer
    X = X[:, known]
    Xtr, Xte, ytr, yte = X[train], X[test], y[train], y[test]
    leaf = max(2, min(20, len(ytr) // 10))
    model = HistGradientBoostingRegressor(random_state=seed, min_samples_leaf=leaf, max_iter=100,
                                          max_leaf_nodes=15).fit(Xtr, ytr)
    pred = model.predict(Xte)
    fill = np.nanmedian(Xtr, axis=0)                    # the linear model needs every value
    linear = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(np.where(np.isnan(Xtr), fill, Xtr), ytr)
    lin = linear.predict(np.where(np.isnan(Xte), fill, Xte))
    baseline = np.full_like(yte, float(np.mean(ytr)))
    return {"r2": float(r2_score(yte, pred)), "linear_r2": float(r2_score(yte, lin)),
            "baseline_r2": float(r2_score(yte, baseline)), "mae": float(mean_absolute_error(yte, pred)),
            "train_rows": len(ytr), "test_rows": len(yte), "iterations": int(model.n_iter_),
            "model": "gradient-boosted trees (HistGradientBoostingRegressor)"}


def compute(ctx, filters: dict, how: str = "projected", seed: int = F.SEED) -> dict:
    """Both models on every customer, the aligned scores and the 2-cluster grouping; then the
    non-circular regression on a split made first. Returns a dict of arrays and models."""
    import numpy as np

    eng_f = F.load_engagement(ctx, filters)
    exp_f = F.load_experience(ctx, filters)
    F.require_rows(eng_f, "the satisfaction analysis", 3)
    ids, ei, xi = np.intersect1d(eng_f.ids, exp_f.ids, assume_unique=True, return_indices=True)
    threshold = int(F.setting(ctx, "minibatch_threshold", F.DEFAULT_MINIBATCH_THRESHOLD))
    with F.single_thread():
        eng = engagement.model(ctx, eng_f, 3)
        exp = experience.model(ctx, exp_f, 3)
        e, x, s = scores(eng.Z[ei], eng.least_engaged_centre, eng.most_engaged_centre, exp.Z[xi],
                         exp.worst_centre, exp.best_centre, how)
        two = F.kmeans(np.column_stack([e, x]), 2, threshold)
        reg = None
        if len(ids) >= MIN_REGRESSION_ROWS:
            from sklearn.model_selection import train_test_split

            train, test = train_test_split(np.arange(len(ids)), test_size=TEST_SHARE, random_state=seed)
            # the split comes first: scalers, clusters and score directions from the training half only
            eng_t = engagement.model(ctx, eng_f, 3, rows=ei[train])
            exp_t = experience.model(ctx, exp_f, 3, rows=xi[train])
            _, _, target = scores(eng_t.transform(eng_f.X[ei, :3]), eng_t.least_engaged_centre,
                                  eng_t.most_engaged_centre, exp_t.transform(exp_f.X[xi]), exp_t.worst_centre,
                                  exp_t.best_centre, how)
            X, names = predictors(ctx, ids, eng_f.X[ei, 3:], exp.handsets[xi])
            reg = regression(X, target, seed, train, test)
            reg["predictors"] = names
    return {"ids": ids, "engagement": e, "experience": x, "satisfaction": s, "cluster": two.labels,
            "two": two, "eng": eng, "exp": exp, "regression": reg, "how": how}


def report(ctx, params) -> Report:
    import numpy as np

    filters = F.scope(ctx, params)
    top = params.top or 10
    how = params.extra.get("score") or "projected"
    if how not in F.SCORE_METHODS:
        raise ValidationError(f"--score is one of {', '.join(F.SCORE_METHODS)}, not '{how}'")
    run_params = {"engagement_k": 3, "experience_k": 3, "score_k": 2, "score": how,
                  "engagement_score": SCORE_WORDS[how], "experience_score": EXP_WORDS[how],
                  "satisfaction": "mean of the two scores", "filters": F.describe_filters(filters)}
    with tracking.tracked(ctx, MODEL, run_params) as run:
        r = compute(ctx, filters, how)
        ids, e, x, s, labels = r["ids"], r["engagement"], r["experience"], r["satisfaction"], r["cluster"]
        run.params.update(algorithm=r["two"].algorithm)
        sections = []
        order = np.lexsort((ids, -s))[:top]
        names = ctx.db.run(repo.msisdns, [int(ids[i]) for i in order])
        sections.append(Report(f"The {top} most satisfied customers",
                               [Column("Rank", "int"), Column("Customer"), Column("Engagement score", "float", 4),
                                Column("Experience score", "float", 4), Column("Satisfaction", "float", 4)],
                               [[n + 1, names.get(int(ids[i]), str(int(ids[i]))), float(e[i]), float(x[i]),
                                 float(s[i])] for n, i in enumerate(order)]))
        metrics: dict[str, Any] = {"inertia": r["two"].inertia, "mean_satisfaction": float(s.mean()),
                                   "convergence": {"iterations": r["two"].iterations,
                                                   "final_inertia": r["two"].inertia}}
        reg = r["regression"]
        if reg is not None:
            metrics.update(r2=reg["r2"], linear_r2=reg["linear_r2"], baseline_r2=reg["baseline_r2"], mae=reg["mae"],
                           regression_iterations=reg["iterations"])
            beats = reg["r2"] > reg["baseline_r2"]
            sections.append(Report(
                "Regression model predicting satisfaction (held out)",
                [Column("Measure"), Column("Value")],
                [["model", reg["model"]],
                 ["predictors", "plan, tenure, handset maker, region, each application's share of own traffic"],
                 ["customers used for fitting", reg["train_rows"]],
                 ["held-out customers", reg["test_rows"]],
                 ["R² on held-out customers", round(reg["r2"], 4)],
                 ["R² of a linear model (ridge)", round(reg["linear_r2"], 4)],
                 ["R² of predicting the mean", round(reg["baseline_r2"], 4)],
                 ["mean absolute error (held out)", round(reg["mae"], 4)]],
                notes=["not circular: the predictors are not the score's ingredients; the customers were split "
                       "first, and the held-out customers' satisfaction comes from scalers, clusters and score "
                       "directions fitted on the training customers only",
                       "the model beats predicting the mean" if beats
                       else "the model does NOT beat predicting the mean on these customers: plan, tenure, "
                            "handset, region and usage mix say little about satisfaction here"]))
        else:
            sections.append(Report("Regression model predicting satisfaction (held out)",
                                   [Column("Measure"), Column("Value")],
                                   [], empty_message=f"too few customers for a held-out R² "
                                                     f"({len(ids)}; needs {MIN_REGRESSION_ROWS})"))
        cl_rows, sizes = [], []
        for c in range(2):
            member = labels == c
            sizes.append(int(member.sum()))
            cl_rows.append([c, sizes[-1], float(s[member].mean()), float(x[member].mean()), float(e[member].mean())])
        sections.append(Report("Satisfaction clusters (k-means, k=2, on the engagement and experience scores)",
                               [Column("Cluster", "int"), Column("Customers", "int"),
                                Column("Avg satisfaction", "float", 4), Column("Avg experience score", "float", 4),
                                Column("Avg engagement score", "float", 4)], cl_rows,
                               notes=["cluster 0 has the lower scores (less satisfied), cluster 1 the higher"]))
        metrics["cluster_sizes"] = sizes
        run.rows = len(ids)
        run.metrics = metrics
        def rows():   # generated, not held as a list: bounded memory at any number of customers
            return ((int(ids[i]), float(e[i]), float(x[i]), float(s[i]), int(labels[i])) for i in range(len(ids)))

        run.write_artefact(["customer_id", "engagement", "experience", "satisfaction", "cluster"], rows())

        def save(conn):
            bar = F.progress(ctx, len(ids), "saving scores")
            try:
                n = repo.save_scores(conn, run.id, rows(), on_batch=bar.update if bar else None)
            finally:
                if bar:
                    bar.close()
            run.finish(conn)
            return n

        saved = ctx.db.run(save)
    shown_filters = F.describe_filters(filters)
    if how != "projected":
        shown_filters["score"] = how
    return Report("Customer satisfaction", [Column("Measure"), Column("Value")],
                  [["customers scored", len(ids)], ["average satisfaction", round(float(s.mean()), 4)],
                   ["model run", run.id], ["scores saved to customer_scores", saved]],
                  filters=shown_filters, sections=sections,
                  notes=[f"engagement score: {SCORE_WORDS[how]}; experience score: {EXP_WORDS[how]}; "
                         f"satisfaction: their mean" + ("; higher is better for all three" if how == "projected"
                                                        else "; NOTE: distances also grow away from the centre "
                                                             "in the wrong direction, so they do not rank"),
                         "sessions, duration, traffic, TCP retransmission, RTT and throughput are heavy-tailed: "
                         "log1p before the z-scores",
                         f"show them again with `telco-console report satisfaction-scores --run {run.id}`; "
                         f"artefact {run.artefact}"],
                  plot=Plot([Bars("Satisfaction clusters (k=2)",
                                  [f"cluster {r[0]} ({r[1]} customers)" for r in cl_rows],
                                  {"Avg satisfaction": [r[2] for r in cl_rows],
                                   "Avg experience score": [r[3] for r in cl_rows],
                                   "Avg engagement score": [r[4] for r in cl_rows]})]))


def saved_scores_report(ctx, params) -> Report:
    """The scores saved by a satisfaction run (the latest unless --run is given), most satisfied first."""
    filters = F.scope(ctx, params)
    run_id = params.extra.get("run")
    run_id = tracking.parse_run_id(run_id) if run_id not in (None, "") else None
    customer_id = None
    if params.customer:
        msisdn = normalise_msisdn(params.customer, ctx.region)
        cust = ctx.db.run(customers_repo.by_msisdn, msisdn)
        if cust is None:
            raise NotFoundError(f"no customer with number {msisdn}")
        ctx.check_customer(cust)                 # refuses a customer of another region
        customer_id = cust["id"]

    def read(conn):
        rid = run_id if run_id is not None else repo.latest_run_id(conn, MODEL)
        if rid is None:
            return None, None, []
        run = repo.get_run(conn, rid)
        if run is None:
            return rid, None, []
        return rid, run, repo.scores(conn, rid, customer_id, filters["region"], params.top)

    rid, run, rows = ctx.db.run(read)
    if rid is None:
        raise NotFoundError("no satisfaction scores saved yet: run `telco-console report satisfaction` first")
    if run is None:
        raise NotFoundError(f"no model run {rid}: `report model-runs` lists them")
    if run["model"] != MODEL:
        raise ValidationError(f"run {rid} is a {run['model']} run, not a satisfaction run")
    shown = {"run": rid}
    if params.customer:
        shown["customer"] = params.customer
    if filters["region"]:
        shown["region"] = filters["region"]
    return Report(f"Saved satisfaction scores of run {rid} ({run['started_at']:%Y-%m-%d %H:%M})",
                  [Column("Customer"), Column("Engagement score", "float", 4), Column("Experience score", "float", 4),
                   Column("Satisfaction", "float", 4), Column("Cluster", "int")],
                  [[r["msisdn"] or str(r["customer_id"]), r["engagement"], r["experience"], r["satisfaction"],
                    r["cluster"]] for r in rows], filters=shown)
