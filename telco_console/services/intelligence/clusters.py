"""Customer clusters on categories (the CRM paper's clustering of customer attributes): K-modes on
plan, region, handset maker, tenure band and usage bands (minutes, SMS, data of the last months,
each none/low/medium/high by the terciles of the users), with k chosen by the cost curve's elbow
and each cluster profiled: size, revenue share, and the mode of every feature with its share.

kmodes is imported here only (the report that uses it)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.reporting.report import Chart, Column, Report
from telco_console.repositories import intelligence as repo
from telco_console.services.analytics import tracking

ROLES = ("analyst", "admin")
FEATURES = ("plan", "region", "handset maker", "tenure", "minutes", "SMS", "data")
MAX_K = 8
ELBOW_RULE = 0.10
TENURE_BANDS = ((90, "under 3 months"), (365, "3-12 months"), (730, "1-2 years"))


def tenure_band(days: int) -> str:
    for limit, label in TENURE_BANDS:
        if days < limit:
            return label
    return "2 years or more"


def usage_bands(values) -> list[str]:
    """none for 0; low/medium/high by the terciles of the customers who used it at all."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    used = v[v > 0]
    if len(used) == 0:
        return ["none"] * len(v)
    lo, hi = np.quantile(used, [1 / 3, 2 / 3])
    return ["none" if x <= 0 else "low" if x <= lo else "medium" if x <= hi else "high" for x in v.tolist()]


def categories(ctx: AppContext, months: int) -> tuple:
    """(rows of the value query, n x 7 matrix of category labels) for the active and suspended customers."""
    import numpy as np

    today = ctx.now().date()
    since = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = ctx.db.run(repo.value_features, today, since)
    if not rows:
        raise ValidationError("there are no customers to cluster")
    makers = [(r["handset"] or "").split(" ")[0] or "unknown" for r in rows]
    cols = [[r["plan_code"] for r in rows], [r["region"] or "unknown" for r in rows], makers,
            [tenure_band((today - r["created_on"]).days) for r in rows],
            usage_bands([float(r["minutes"]) for r in rows]), usage_bands([float(r["sms"]) for r in rows]),
            usage_bands([float(r["data_mb"]) for r in rows])]
    return rows, np.array(cols, dtype=object).T.astype(str)


def elbow_k(costs: list[float]) -> int:
    """The smallest k at which one more cluster lowers the cost by less than 10% of the cost at k=1."""
    base = costs[0]
    for i in range(len(costs) - 1):
        if base <= 0 or costs[i] - costs[i + 1] < ELBOW_RULE * base:
            return i + 1
    return len(costs)


def fit(X, k: int, seed: int = 0, n_init: int = 5):
    from kmodes.kmodes import KModes

    model = KModes(n_clusters=k, init="Huang", n_init=n_init, random_state=seed).fit(X)
    if model.labels_ is None:      # as many distinct rows as clusters: kmodes leaves the labels out
        model.labels_ = model.predict(X)
        model.cost_ = 0.0
    return model


def compute(X, k: int | None = None, max_k: int = MAX_K, seed: int = 0) -> dict:
    """Cost for k = 1..max_k, the elbow's k, and the model at the chosen k (the elbow's unless given)."""
    import numpy as np

    distinct = len(np.unique(X, axis=0))
    top = min(max_k, distinct)
    if top < 1:
        raise ValidationError("no customers to cluster")
    if k is not None and k > distinct:
        raise ValidationError(f"{k} clusters need at least {k} distinct customers; there are {distinct}")
    # the curve with 2 starts per k, the chosen k again with 5
    costs = [float(fit(X, kk, seed, n_init=2).cost_) for kk in range(1, top + 1)]
    chosen = elbow_k(costs)
    use = k or chosen
    model = fit(X, use, seed)
    # clusters numbered by size, largest first (stable between runs)
    sizes = np.bincount(model.labels_, minlength=use)
    order = np.lexsort((np.arange(use), -sizes))
    rank = np.empty(use, dtype=int)
    rank[order] = np.arange(use)
    return {"labels": rank[model.labels_], "costs": costs, "elbow_k": chosen, "k": use,
            "iterations": int(model.n_iter_), "cost": float(model.cost_)}


def report(ctx: AppContext, months: int = 6, k: int | None = None) -> Report:
    import numpy as np

    ctx.check("intelligence.run")
    rows, X = categories(ctx, months)
    with tracking.tracked(ctx, "customer-clusters-kmodes", {"features": list(FEATURES), "months": months,
                                                            "k": k or "elbow", "init": "Huang", "n_init": 5,
                                                            "seed": 0}) as run:
        r = compute(X, k)
        labels = r["labels"]
        revenue = [Decimal(x["revenue"] or 0) for x in rows]        # money: summed as Decimal
        total_rev = sum(revenue, Decimal(0))
        run.rows = len(rows)
        run.metrics = {"k": r["k"], "elbow_k": r["elbow_k"], "costs": r["costs"],
                       "cluster_sizes": np.bincount(labels, minlength=r["k"]).tolist(),
                       "convergence": {"iterations": r["iterations"], "final_cost": r["cost"]}}
        run.write_artefact(["customer_id", "msisdn", *FEATURES, "cluster"],
                           ([x["id"], x["msisdn"], *X[i].tolist(), int(labels[i])] for i, x in enumerate(rows)))
    report = Report(f"Customer clusters (K-modes, k={r['k']}) on plan, region, handset, tenure and usage bands",
                    [Column("Cluster", "int"), Column("Customers", "int"), Column("Share", "percent", 1),
                     Column("Revenue share", "percent", 1), *[Column(f.capitalize()) for f in FEATURES]],
                    filters={"months": months, **({"k": k} if k else {})})
    for c in range(r["k"]):
        member = labels == c
        n = int(member.sum())
        profile = []
        for j in range(X.shape[1]):
            values, counts = np.unique(X[member, j], return_counts=True)
            best = int(np.argmax(counts))
            profile.append(f"{values[best]} ({100.0 * counts[best] / n:.0f}%)")
        cluster_rev = sum((revenue[i] for i in np.flatnonzero(member)), Decimal(0))
        report.rows.append([c, n, 100.0 * n / len(rows),
                            float(100 * cluster_rev / total_rev) if total_rev else 0.0, *profile])
    report.notes.append("each feature shows the cluster's mode and the share of its customers who have it; usage "
                        f"bands: none, or low/medium/high by the terciles of the customers who used it in the last "
                        f"{months} months; revenue: bills of those months")
    elbow = Report(f"Cost by k (the elbow's k = {r['elbow_k']}, shown k = {r['k']})",
                   [Column("k", "int"), Column("Cost (mismatches)", "float", 0),
                    Column("Drop from k-1 (% of k=1)", "percent", 1), Column("")],
                   charts=[Chart("K-modes cost by k", [str(i + 1) for i in range(len(r["costs"]))], r["costs"])])
    base = r["costs"][0]
    for i, cost in enumerate(r["costs"]):
        drop = (r["costs"][i - 1] - cost) / base * 100 if i and base else None
        mark = " and ".join(w for w, on in (("the elbow's k", i + 1 == r["elbow_k"]), ("shown", i + 1 == r["k"]))
                            if on)
        elbow.rows.append([i + 1, cost, drop, mark])
    elbow.notes.append(f"cost = the number of feature values that differ from their cluster's mode; rule: the smallest "
                       f"k at which one more cluster lowers the cost by less than {ELBOW_RULE:.0%} of the cost at "
                       f"k=1 (--k overrides it)")
    report.sections.append(elbow)
    report.notes.append(f"{len(rows):,} active and suspended customers; K-modes (Huang init, 5 starts; "
                        f"2 a k for the curve), {r['iterations']} iterations, final cost {r['cost']:,.0f}; "
                        f"model run #{run.id}")
    return report
