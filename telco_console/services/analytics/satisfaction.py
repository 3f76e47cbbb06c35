"""Satisfaction: the engagement score (distance of a customer to the least-engaged cluster's centre),
the experience score (distance to the worst-experience cluster's centre), satisfaction as their mean;
a regression model predicting satisfaction, judged by R² on held-out customers against predicting the
mean; k-means with k=2 on the two scores; the scores saved to customer_scores under a model run."""
from __future__ import annotations

from typing import Any

from telco_console.errors import NotFoundError, ValidationError
from telco_console.phone import normalise_msisdn
from telco_console.reporting.report import Bars, Column, Plot, Report
from telco_console.repositories import analytics as repo
from telco_console.repositories import customers as customers_repo
from telco_console.services.analytics import engagement, experience
from telco_console.services.analytics import features as F
from telco_console.services.analytics import tracking

MODEL = "satisfaction"
MIN_REGRESSION_ROWS = 20
TEST_SHARE = 0.25


def distances(Z, centre):
    """Euclidean distance of every row of Z to one centre."""
    import numpy as np

    return np.sqrt(((Z - np.asarray(centre)) ** 2).sum(axis=1))


def scores(eng_Z, least_engaged_centre, exp_Z, worst_experience_centre) -> tuple:
    """(engagement score, experience score, satisfaction) arrays: the two distances and their mean."""
    e = distances(eng_Z, least_engaged_centre)
    x = distances(exp_Z, worst_experience_centre)
    return e, x, (e + x) / 2.0


def regression(X, y, seed: int = F.SEED) -> dict[str, Any]:
    """Quadratic ridge regression of y on X, fitted on 75% of the customers and scored on the other 25%.
    Returns r2 (held out), baseline_r2 (predicting the training mean), mae, rows."""
    import numpy as np
    from sklearn.linear_model import Ridge
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SHARE, random_state=seed)
    model = make_pipeline(StandardScaler(), PolynomialFeatures(2), Ridge(alpha=1e-3)).fit(X_train, y_train)
    pred = model.predict(X_test)
    baseline = np.full_like(y_test, float(np.mean(y_train)))
    return {"r2": float(r2_score(y_test, pred)), "baseline_r2": float(r2_score(y_test, baseline)),
            "mae": float(mean_absolute_error(y_test, pred)), "train_rows": int(len(y_train)),
            "test_rows": int(len(y_test)), "model": "ridge on degree-2 polynomial features"}


def compute(ctx, filters: dict):
    """Both models, the aligned scores and the 2-cluster grouping. Returns a dict of arrays and models."""
    import numpy as np

    eng_f = F.load_engagement(ctx, filters)
    exp_f = F.load_experience(ctx, filters)
    F.require_rows(eng_f, "the satisfaction analysis", 3)
    eng = engagement.model(ctx, eng_f, 3)
    exp = experience.model(ctx, exp_f, 3)
    ids, ei, xi = np.intersect1d(eng.ids, exp.ids, assume_unique=True, return_indices=True)
    e, x, s = scores(eng.Z[ei], eng.least_engaged_centre, exp.Z[xi], exp.worst_centre)
    threshold = int(F.setting(ctx, "minibatch_threshold", F.DEFAULT_MINIBATCH_THRESHOLD))
    two = F.kmeans(np.column_stack([e, x]), 2, threshold)
    return {"ids": ids, "engagement": e, "experience": x, "satisfaction": s, "cluster": two.labels,
            "two": two, "eng": eng, "exp": exp, "X": np.column_stack([eng.Z[ei], exp.Z[xi]])}


def report(ctx, params) -> Report:
    import numpy as np

    filters = F.scope(ctx, params)
    top = params.top or 10
    run_params = {"engagement_k": 3, "experience_k": 3, "score_k": 2,
                  "engagement_score": "distance to the least-engaged centre (z-scores)",
                  "experience_score": "distance to the worst-experience centre (z-scores)",
                  "satisfaction": "mean of the two scores", "filters": F.describe_filters(filters)}
    with tracking.tracked(ctx, MODEL, run_params) as run:
        r = compute(ctx, filters)
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
        metrics: dict[str, Any] = {"inertia": r["two"].inertia, "mean_satisfaction": float(s.mean())}
        if len(ids) >= MIN_REGRESSION_ROWS:
            reg = regression(r["X"], s)
            metrics.update(r2=reg["r2"], baseline_r2=reg["baseline_r2"], mae=reg["mae"])
            sections.append(Report(
                "Regression model predicting satisfaction",
                [Column("Measure"), Column("Value")],
                [["model", reg["model"] + " of the 6 normalised engagement and experience measures"],
                 ["customers used for fitting", reg["train_rows"]],
                 ["held-out customers", reg["test_rows"]],
                 ["R² on held-out customers", round(reg["r2"], 4)],
                 ["R² of predicting the mean", round(reg["baseline_r2"], 4)],
                 ["mean absolute error (held out)", round(reg["mae"], 4)]],
                notes=["the model beats the mean" if reg["r2"] > reg["baseline_r2"]
                       else "the model does NOT beat predicting the mean on these customers"]))
        else:
            sections.append(Report("Regression model predicting satisfaction", [Column("Measure"), Column("Value")],
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
    return Report("Customer satisfaction", [Column("Measure"), Column("Value")],
                  [["customers scored", len(ids)], ["average satisfaction", round(float(s.mean()), 4)],
                   ["model run", run.id], ["scores saved to customer_scores", saved]],
                  filters=F.describe_filters(filters), sections=sections,
                  notes=[f"show them again with `telco-console report satisfaction-scores --run {run.id}`; "
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
