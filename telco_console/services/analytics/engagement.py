"""User engagement: per customer the number of sessions, total session duration and total traffic
(DL+UL); the top customers by each; the three metrics normalised (z-scores) and grouped by k-means;
traffic per application and its most engaged users; the elbow method for choosing k."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telco_console.applications import APP_NAMES
from telco_console.reporting.report import Bars, Chart, Column, Lines, Plot, Report, Seconds
from telco_console.repositories import analytics as repo
from telco_console.services.analytics import features as F
from telco_console.services.analytics import tracking

METRICS = ("sessions", "duration_ms", "traffic_bytes")
METRIC_NAMES = {"sessions": "Sessions", "duration_ms": "Duration", "traffic_bytes": "Traffic (MB)"}
METRIC_WORDS = {"sessions": "number of sessions", "duration_ms": "total session duration",
                "traffic_bytes": "total traffic (DL+UL)"}
ELBOW_MAX_K = 10
ELBOW_SAMPLE = 10000
ELBOW_RULE = 0.10


def shown(metric: str, value: float) -> float | int:
    """A raw metric in display units: sessions as a count, duration in seconds (shown as h/min/s),
    traffic in MB."""
    if metric == "sessions":
        return int(round(value))
    if metric == "duration_ms":
        return Seconds(round(value / 1000.0, 1))
    return round(value / 1e6, 3)


@dataclass
class EngagementModel:
    ids: Any
    raw: Any              # n x 3: sessions, duration_ms, traffic_bytes
    Z: Any                # normalised
    mean: Any
    std: Any
    clustering: F.Clustering

    @property
    def least_engaged_centre(self):
        return self.clustering.centres[0]   # clusters are ordered by ascending engagement


def cluster_metrics(raw, k: int = 3, threshold: int = F.DEFAULT_MINIBATCH_THRESHOLD) -> tuple:
    """The pipeline's clustering step on an n x 3 array of raw metrics: z-scores, then k-means
    (MiniBatchKMeans above `threshold`), clusters numbered from least to most engaged.
    Returns (Z, mean, std, Clustering)."""
    Z, mean, std = F.standardise(raw)
    return Z, mean, std, F.kmeans(Z, k, threshold)


def model(ctx, feats: F.Features, k: int = 3) -> EngagementModel:
    threshold = int(F.setting(ctx, "minibatch_threshold", F.DEFAULT_MINIBATCH_THRESHOLD))
    raw = feats.X[:, :3]
    Z, mean, std, cl = cluster_metrics(raw, k, threshold)
    return EngagementModel(feats.ids, raw, Z, mean, std, cl)


def elbow(Z, max_k: int = ELBOW_MAX_K, sample: int = ELBOW_SAMPLE, seed: int = F.SEED) -> tuple[list, int]:
    """Inertia for k = 1..max_k (on a random sample of at most `sample` customers) and the chosen k:
    the smallest k at which one more cluster lowers the inertia by less than 10% of the inertia at k=1."""
    import numpy as np
    from sklearn.cluster import KMeans

    if len(Z) > sample:
        rng = np.random.default_rng(seed)
        Z = Z[rng.choice(len(Z), sample, replace=False)]
    ks = list(range(1, min(max_k, len(Z)) + 1))
    inertias = [float(KMeans(n_clusters=k, random_state=seed, n_init=3).fit(Z).inertia_) for k in ks]
    chosen = ks[-1]
    base = inertias[0]
    for i in range(len(ks) - 1):
        if base <= 0 or inertias[i] - inertias[i + 1] < ELBOW_RULE * base:
            chosen = ks[i]
            break
    return list(zip(ks, inertias)), chosen


def _top_section(title: str, ids, values, metric: str, names: dict, top: int) -> Report:
    import numpy as np

    order = np.lexsort((ids, -values))[:top]
    rows = [[i + 1, names.get(int(ids[j]), str(int(ids[j]))), shown(metric, float(values[j]))]
            for i, j in enumerate(order)]
    kind = {"sessions": "int", "duration_ms": "duration"}.get(metric, "float")
    return Report(title, [Column("Rank", "int"), Column("Customer"), Column(METRIC_NAMES[metric], kind)], rows)


def report(ctx, params) -> Report:
    import numpy as np

    filters = F.scope(ctx, params)
    top = params.top or 10
    k = 3
    feats = F.load_engagement(ctx, filters)
    F.require_rows(feats, "the engagement analysis", k)
    run_params = {"k": k, "normalisation": "z-score", "metrics": list(METRICS),
                  "filters": F.describe_filters(filters)}
    with tracking.tracked(ctx, "engagement-kmeans", run_params) as run:
        m = model(ctx, feats, k)
        run.params.update(algorithm=m.clustering.algorithm, **m.clustering.params)
        curve, chosen = elbow(m.Z)
        apps = feats.X[:, 3:]
        ids = feats.ids

        # who needs a name: top customers by each metric and by each application
        wanted: set[int] = set()
        for j in range(3):
            wanted.update(int(x) for x in ids[np.argsort(-m.raw[:, j], kind="stable")[:top]])
        for j in range(apps.shape[1]):
            wanted.update(int(x) for x in ids[np.argsort(-apps[:, j], kind="stable")[:top]])
        names = ctx.db.run(repo.msisdns, sorted(wanted))

        sections = [_top_section(f"Top {top} customers by {METRIC_WORDS[mt]}", ids, m.raw[:, j], mt,
                                 names, top) for j, mt in enumerate(METRICS)]

        # clusters: min, max, average, total of each raw metric
        labels = m.clustering.labels
        rows = []
        sizes = []
        for c in range(k):
            member = labels == c
            sizes.append(int(member.sum()))
            for j, mt in enumerate(METRICS):
                v = m.raw[member, j]
                rows.append([c, sizes[-1], METRIC_NAMES[mt], shown(mt, v.min()), shown(mt, v.max()),
                             round(float(shown(mt, v.mean())), 3) if mt == "sessions" else shown(mt, v.mean()),
                             shown(mt, v.sum())])
        sections.append(Report(
            f"Engagement clusters (k-means, k={k}, on z-scores of the three metrics)",
            [Column("Cluster", "int"), Column("Customers", "int"), Column("Metric"), Column("Minimum", "float"),
             Column("Maximum", "float"), Column("Average", "float", 2), Column("Total", "float")], rows,
            notes=[f"cluster 0 is the least engaged, cluster {k - 1} the most (ordered by the centre); "
                   f"{m.clustering.algorithm}, inertia {m.clustering.inertia:,.2f}"]))

        # applications
        totals = apps.sum(axis=0)
        grand = float(totals.sum())
        app_rows = [[APP_NAMES[a], round(float(totals[j]) / 1e6, 3),
                     round(100.0 * float(totals[j]) / grand, 2) if grand else 0.0]
                    for j, a in enumerate(repo.APPS)]
        app_rows.sort(key=lambda r: -r[1])
        sections.append(Report("Total traffic per application", [Column("Application"),
                               Column("Traffic (MB)", "float", 3), Column("Share", "percent", 2)], app_rows,
                               charts=[Chart("Traffic per application", [r[0] for r in app_rows],
                                             [r[1] for r in app_rows], " MB")]))
        user_rows = []
        for j, a in enumerate(repo.APPS):
            col = apps[:, j]
            order = np.lexsort((ids, -col))[:top]
            for rank, i in enumerate(order, 1):
                if col[i] <= 0:
                    break
                user_rows.append([APP_NAMES[a], rank, names.get(int(ids[i]), str(int(ids[i]))),
                                  round(float(col[i]) / 1e6, 3)])
        sections.append(Report(f"Top {top} most engaged users per application",
                               [Column("Application"), Column("Rank", "int"), Column("Customer"),
                                Column("Traffic (MB)", "float", 3)], user_rows))
        top3 = app_rows[:3]
        sections.append(Report("The 3 most used applications", [Column("Application"),
                               Column("Traffic (MB)", "float", 3), Column("Share", "percent", 2)], top3,
                               charts=[Chart("3 most used applications", [r[0] for r in top3],
                                             [r[1] for r in top3], " MB")]))

        base = curve[0][1] if curve else 0.0
        elbow_rows = []
        for i, (kk, inertia) in enumerate(curve):
            drop = (curve[i - 1][1] - inertia) / base * 100 if i and base else None
            elbow_rows.append([kk, round(inertia, 3), None if drop is None else round(drop, 2),
                               "chosen" if kk == chosen else ""])
        sampled = len(m.Z) > ELBOW_SAMPLE
        sections.append(Report(
            "Elbow method: inertia for k = 1..10",
            [Column("k", "int"), Column("Inertia", "float", 3), Column("Drop from k-1 (% of k=1)", "percent", 2),
             Column("")], elbow_rows,
            charts=[Chart("Inertia by k", [str(kk) for kk, _ in curve], [v for _, v in curve])],
            notes=[f"rule: the smallest k at which one more cluster lowers the inertia by less than "
                   f"{ELBOW_RULE:.0%} of the inertia at k=1; here k = {chosen}"
                   + (f" (on a random sample of {ELBOW_SAMPLE:,} customers)" if sampled else "")]))

        run.rows = len(ids)
        run.metrics = {"inertia": m.clustering.inertia, "cluster_sizes": sizes, "elbow_k": chosen,
                       "elbow_inertia": [v for _, v in curve]}
        run.write_artefact(["customer_id", "sessions", "duration_ms", "traffic_bytes", "cluster"],
                           ([int(ids[i]), int(m.raw[i, 0]), int(m.raw[i, 1]), int(m.raw[i, 2]), int(labels[i])]
                            for i in range(len(ids))))
    overview = [[c, sizes[c], round(100.0 * sizes[c] / len(ids), 2)] for c in range(k)]
    return Report("User engagement", [Column("Cluster", "int"), Column("Customers", "int"),
                                       Column("Share", "percent", 2)], overview,
                  filters=F.describe_filters(filters), sections=sections,
                  notes=[f"{len(ids):,} customers with data sessions; model run {run.id} "
                         f"(artefact {run.artefact})"],
                  plot=Plot([
                      Bars("The 3 most used applications", [r[0] for r in top3],
                           {"Traffic (MB)": [r[1] for r in top3]}, ylabel="MB"),
                      Lines(f"Elbow method (chosen k = {chosen})", [kk for kk, _ in curve],
                            {"Inertia": [v for _, v in curve]}, xlabel="k", ylabel="inertia")]))
