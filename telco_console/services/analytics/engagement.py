"""User engagement: per customer the number of sessions, total session duration and total traffic
(DL+UL); the top customers by each; the three metrics log1p-transformed (they are heavy-tailed),
normalised (z-scores) and grouped by k-means; traffic per application and its most engaged users;
the elbow method, shown beside the k=3 the analysis keeps. compute() makes the models, report()
lays them out."""
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
        return int(round(value))  # noqa: RUF046 -- value may be a numpy float (v.min(), v.mean())
    if metric == "duration_ms":
        return Seconds(round(value / 1000.0, 1))
    return round(value / 1e6, 3)


@dataclass
class EngagementModel:
    ids: Any
    raw: Any              # n x 3: sessions, duration_ms, traffic_bytes
    Z: Any                # log1p, then z-scores
    mean: Any             # of the log1p values
    std: Any
    clustering: F.Clustering

    @property
    def least_engaged_centre(self):
        return self.clustering.centres[0]   # clusters are ordered by ascending engagement

    @property
    def most_engaged_centre(self):
        return self.clustering.centres[-1]

    def transform(self, raw):
        """New customers' raw metrics into this model's space (the fitted log1p z-scores)."""
        return (F.log_scale(raw) - self.mean) / self.std

    def score(self, Z=None, how: str = "projected"):
        """Engagement score: higher means more use (see features.score_along)."""
        return F.score_along(self.Z if Z is None else Z, self.least_engaged_centre, self.most_engaged_centre, how)


def cluster_metrics(raw, k: int = 3, threshold: int = F.DEFAULT_MINIBATCH_THRESHOLD) -> tuple:
    """The pipeline's clustering step on an n x 3 array of raw metrics: log1p (the metrics are heavy
    tailed), z-scores, then k-means (MiniBatchKMeans above `threshold`), clusters numbered from least
    to most engaged. Returns (Z, mean, std, Clustering)."""
    Z, mean, std = F.standardise(F.log_scale(raw))
    return Z, mean, std, F.kmeans(Z, k, threshold)


def model(ctx, feats: F.Features, k: int = 3, rows=None) -> EngagementModel:
    """The k-means model of the customers (of `rows` of feats only, when given: for a hold-out)."""
    threshold = int(F.setting(ctx, "minibatch_threshold", F.DEFAULT_MINIBATCH_THRESHOLD))
    raw = feats.X[:, :3] if rows is None else feats.X[rows, :3]
    ids = feats.ids if rows is None else feats.ids[rows]
    Z, mean, std, cl = cluster_metrics(raw, k, threshold)
    return EngagementModel(ids, raw, Z, mean, std, cl)


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


@dataclass
class EngagementResult:
    """Everything the engagement report shows, computed; report() only lays it out."""
    filters: dict
    k: int
    model: EngagementModel
    apps: Any                      # n x 7 bytes per application
    curve: list                    # [(k, inertia)]
    elbow_k: int
    elbow_sizes: list              # cluster sizes at the elbow's k
    sizes: list


def compute(ctx, filters: dict, k: int = 3) -> EngagementResult:
    feats = F.load_engagement(ctx, filters)
    F.require_rows(feats, "the engagement analysis", k)
    with F.single_thread():
        m = model(ctx, feats, k)
        curve, chosen = elbow(m.Z)
        if chosen == k:
            elbow_sizes = None
        else:
            at_elbow = F.kmeans(m.Z, chosen, int(F.setting(ctx, "minibatch_threshold",
                                                          F.DEFAULT_MINIBATCH_THRESHOLD)))
            elbow_sizes = [int((at_elbow.labels == c).sum()) for c in range(chosen)]
    sizes = [int((m.clustering.labels == c).sum()) for c in range(k)]
    return EngagementResult(filters, k, m, feats.X[:, 3:], curve, chosen, elbow_sizes, sizes)


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
    run_params = {"k": k, "normalisation": "log1p, then z-score", "metrics": list(METRICS),
                  "filters": F.describe_filters(filters)}
    with tracking.tracked(ctx, "engagement-kmeans", run_params) as run:
        r = compute(ctx, filters, k)
        m, apps, ids = r.model, r.apps, r.model.ids
        run.params.update(algorithm=m.clustering.algorithm, **m.clustering.params)

        # who needs a name: top customers by each metric and by each application
        wanted: set[int] = set()
        for j in range(3):
            wanted.update(int(x) for x in ids[np.argsort(-m.raw[:, j], kind="stable")[:top]])
        for j in range(apps.shape[1]):
            wanted.update(int(x) for x in ids[np.argsort(-apps[:, j], kind="stable")[:top]])
        names = ctx.db.run(repo.msisdns, sorted(wanted))
        sections = _sections(r, names, top)
        run.rows = len(ids)
        run.metrics = {"inertia": m.clustering.inertia, "cluster_sizes": r.sizes, "elbow_k": r.elbow_k,
                       "elbow_inertia": [v for _, v in r.curve], "elbow_cluster_sizes": r.elbow_sizes,
                       "convergence": {"iterations": m.clustering.iterations, "final_inertia": m.clustering.inertia}}
        labels = m.clustering.labels
        run.write_artefact(["customer_id", "sessions", "duration_ms", "traffic_bytes", "cluster"],
                           ([int(ids[i]), int(m.raw[i, 0]), int(m.raw[i, 1]), int(m.raw[i, 2]), int(labels[i])]
                            for i in range(len(ids))))
    sizes = r.sizes
    overview = [[c, sizes[c], round(100.0 * sizes[c] / len(ids), 2)] for c in range(k)]
    top3 = next(s for s in sections if s.title == "The 3 most used applications").rows
    return Report("User engagement", [Column("Cluster", "int"), Column("Customers", "int"),
                                       Column("Share", "percent", 2)], overview,
                  filters=F.describe_filters(filters), sections=sections,
                  notes=[f"{len(ids):,} customers with data sessions; model run {run.id} "
                         f"(artefact {run.artefact})",
                         "sessions, duration and traffic are heavy-tailed: clustered on z-scores of log1p of each "
                         "(tables show the raw values)"],
                  plot=Plot([
                      Bars("The 3 most used applications", [row[0] for row in top3],
                           {"Traffic (MB)": [row[1] for row in top3]}, ylabel="MB"),
                      Lines(f"Elbow method (the rule's k = {r.elbow_k}, shown k = {k})", [kk for kk, _ in r.curve],
                            {"Inertia": [v for _, v in r.curve]}, xlabel="k", ylabel="inertia")]))


def _sections(r: EngagementResult, names: dict, top: int) -> list[Report]:
    """The report's tables from a computed EngagementResult (no computation of models here)."""
    import numpy as np

    m, apps, ids, k = r.model, r.apps, r.model.ids, r.k
    sections = [_top_section(f"Top {top} customers by {METRIC_WORDS[mt]}", ids, m.raw[:, j], mt, names, top)
                for j, mt in enumerate(METRICS)]
    labels = m.clustering.labels
    rows = []
    for c in range(k):
        member = labels == c
        for j, mt in enumerate(METRICS):
            v = m.raw[member, j]
            rows.append([c, r.sizes[c], METRIC_NAMES[mt], shown(mt, v.min()), shown(mt, v.max()),
                         round(float(shown(mt, v.mean())), 3) if mt == "sessions" else shown(mt, v.mean()),
                         shown(mt, v.sum())])
    sections.append(Report(
        f"Engagement clusters (k-means, k={k}, on z-scores of log1p of the three metrics)",
        [Column("Cluster", "int"), Column("Customers", "int"), Column("Metric"), Column("Minimum", "float"),
         Column("Maximum", "float"), Column("Average", "float", 2), Column("Total", "float")], rows,
        notes=[f"cluster 0 is the least engaged, cluster {k - 1} the most (ordered by the centre); "
               f"{m.clustering.algorithm}, inertia {m.clustering.inertia:,.2f} after "
               f"{m.clustering.iterations} iterations"]))

    totals = apps.sum(axis=0)
    grand = float(totals.sum())
    app_rows = [[APP_NAMES[a], round(float(totals[j]) / 1e6, 3),
                 round(100.0 * float(totals[j]) / grand, 2) if grand else 0.0]
                for j, a in enumerate(repo.APPS)]
    app_rows.sort(key=lambda row: -row[1])
    sections.append(Report("Total traffic per application", [Column("Application"),
                           Column("Traffic (MB)", "float", 3), Column("Share", "percent", 2)], app_rows,
                           charts=[Chart("Traffic per application", [row[0] for row in app_rows],
                                         [row[1] for row in app_rows], " MB")]))
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
                           charts=[Chart("3 most used applications", [row[0] for row in top3],
                                         [row[1] for row in top3], " MB")]))

    base = r.curve[0][1] if r.curve else 0.0
    elbow_rows = []
    for i, (kk, inertia) in enumerate(r.curve):
        drop = (r.curve[i - 1][1] - inertia) / base * 100 if i and base else None
        mark = " and ".join(w for w, on in (("the rule's k", kk == r.elbow_k), ("shown", kk == k)) if on)
        elbow_rows.append([kk, round(inertia, 3), None if drop is None else round(drop, 2),
                           "chosen" if kk == r.elbow_k else "", mark])
    sampled = len(m.Z) > ELBOW_SAMPLE
    notes = [f"rule: the smallest k at which one more cluster lowers the inertia by less than "
             f"{ELBOW_RULE:.0%} of the inertia at k=1; here k = {r.elbow_k}"
             + (f" (on a random sample of {ELBOW_SAMPLE:,} customers)" if sampled else "")]
    if r.elbow_k == k:
        notes.append(f"the rule agrees with the k = {k} the analysis uses")
    else:
        notes.append(f"the clusters above keep k = {k}, as the engagement challenge asks (three levels: low, "
                     f"medium, high); at the rule's k = {r.elbow_k} the cluster sizes would be "
                     + ", ".join(f"{n:,}" for n in r.elbow_sizes))
    sections.append(Report(
        f"Elbow method: inertia for k = 1..{len(r.curve)} (the rule's k = {r.elbow_k}, shown k = {k})",
        [Column("k", "int"), Column("Inertia", "float", 3), Column("Drop from k-1 (% of k=1)", "percent", 2),
         Column(""), Column("Which")], elbow_rows,
        charts=[Chart("Inertia by k", [str(kk) for kk, _ in r.curve], [v for _, v in r.curve])], notes=notes))
    return sections
