"""User experience: per customer the average TCP retransmission, RTT and throughput (DL+UL) and the
handset type; the analyses' one outlier policy (capped at the 1.5 IQR fences, missing values by the
mean; handset by the mode); top, bottom and most frequent values; distributions per handset type;
k-means with k=3 on z-scores of log1p of the three measures (heavy-tailed), a plain description of
each cluster from its centre and its most common handset; an experience score that grows with
better experience. compute() makes the model, report() lays it out.

The handset type is not a k-means input: it is a category of about 16 to 1,400 levels whose one-hot
columns would outweigh the three measures and cluster by phone, not by experience; it is the main
cause of experience rather than a measure of it, so each cluster's handsets are profiled instead
(docs/analytics.md)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telco_console.reporting.report import Bars, Chart, Column, Plot, Report
from telco_console.repositories import analytics as repo
from telco_console.services.analytics import features as F
from telco_console.services.analytics import tracking

METRICS = ("tcp", "rtt", "tp")
LABELS = {"tcp": "TCP retransmission", "rtt": "RTT", "tp": "throughput"}
UNITS = {"tcp": "KB", "rtt": "ms", "tp": "kbps"}
HEADINGS = {"tcp": "Avg TCP retrans. (KB)", "rtt": "Avg RTT (ms)", "tp": "Avg throughput (kbps)"}
# "bad" direction of each metric: more retransmission and RTT is worse, more throughput is better
BADNESS = {"tcp": 1.0, "rtt": 1.0, "tp": -1.0}
LEVEL = 0.5   # a centre further than half a standard deviation from the mean is "high"/"low"


@dataclass
class ExperienceModel:
    ids: Any
    values: Any           # n x 3 cleaned: tcp (bytes), rtt (ms), tp (kbps), DL+UL
    handsets: Any         # cleaned handset type per customer
    Z: Any                # log1p, then z-scores
    mean: Any             # of the log1p values
    std: Any
    clustering: F.Clustering
    missing: list
    outliers: list
    replaced_with: list
    handset_missing: int
    handset_mode: str
    policy: tuple = ()    # the fitted outlier policy of the six raw columns (features.fit_policy)

    @property
    def worst_centre(self):
        return self.clustering.centres[-1]   # ordered from best to worst experience

    @property
    def best_centre(self):
        return self.clustering.centres[0]

    def score(self, Z=None, how: str = "projected"):
        """Experience score: higher means better network experience (features.score_along from the
        worst centre towards the best)."""
        return F.score_along(self.Z if Z is None else Z, self.worst_centre, self.best_centre, how)

    def transform(self, X6):
        """Other customers' six raw averages (NaN when unknown) into this model's space: the fitted
        policy, DL+UL sums, log1p and the fitted z-scores."""
        return (F.log_scale(sum_directions(F.apply_policy(X6, self.policy))) - self.mean) / self.std


def sum_directions(clean):
    """TCP, RTT and throughput as DL+UL from the six cleaned columns."""
    import numpy as np

    return np.column_stack([clean[:, 0] + clean[:, 1], clean[:, 2] + clean[:, 3], clean[:, 4] + clean[:, 5]])


def display(metric: str, value: float) -> float:
    return round(value / 1000.0, 3) if metric == "tcp" else round(value, 3)


def model(ctx, feats: F.Features, k: int = 3, rows=None) -> ExperienceModel:
    """Clean (one outlier policy), sum DL+UL, log1p, z-scores, k-means; of `rows` only when given."""
    import numpy as np

    X = feats.X if rows is None else feats.X[rows]
    labels = feats.labels if rows is None else feats.labels[rows]
    ids = feats.ids if rows is None else feats.ids[rows]
    clean, missing, outliers, means = F.replace_missing_and_outliers(X)
    values = sum_directions(clean)
    handsets, handset_missing, mode = F.replace_mode(labels)
    Z, mean, std = F.standardise(F.log_scale(values))
    weights = np.array([BADNESS[m] for m in METRICS])
    threshold = int(F.setting(ctx, "minibatch_threshold", F.DEFAULT_MINIBATCH_THRESHOLD))
    cl = F.kmeans(Z, k, threshold, order_by=lambda c: float(np.dot(c, weights)))
    return ExperienceModel(ids, values, handsets, Z, mean, std, cl, missing, outliers, means,
                           handset_missing, mode, F.fit_policy(X))


def describe_centre(centre_z, mean, std, index: int, k: int, logged: bool = False) -> str:
    """A plain sentence from a cluster centre (z-scores), e.g. 'Worst experience: high TCP retransmission
    (1,234.5 KB), high RTT (310.2 ms), low throughput (45.0 kbps).' With `logged`, the z-scores are of
    log1p values and the figures shown are back on the raw scale."""
    import numpy as np

    quality = ("Best experience" if index == 0 else "Worst experience" if index == k - 1
               else "Middling experience")
    parts = []
    for j, metric in enumerate(METRICS):
        z = float(centre_z[j])
        level = "high" if z > LEVEL else "low" if z < -LEVEL else "average"
        raw = float(centre_z[j] * std[j] + mean[j])
        if logged:
            raw = float(np.expm1(raw))
        parts.append(f"{level} {LABELS[metric]} ({display(metric, raw):,.1f} {UNITS[metric]})")
    return f"{quality}: " + ", ".join(parts) + "."


def compute(ctx, filters: dict, k: int = 3) -> ExperienceModel:
    feats = F.load_experience(ctx, filters)
    F.require_rows(feats, "the experience analysis", k)
    with F.single_thread():
        return model(ctx, feats, k)


def _values_section(metric: str, col, top: int) -> Report:
    import numpy as np

    shown = np.round(col / 1000.0, 3) if metric == "tcp" else np.round(col, 3)
    desc = np.sort(shown)[::-1][:top]
    asc = np.sort(shown)[:top]
    uniq, counts = np.unique(np.round(shown, 1), return_counts=True)
    freq_order = np.lexsort((uniq, -counts))[:top]
    rows = []
    for i in range(max(len(desc), len(freq_order))):
        rows.append([i + 1, float(desc[i]) if i < len(desc) else None, float(asc[i]) if i < len(asc) else None,
                     float(uniq[freq_order[i]]) if i < len(freq_order) else None,
                     int(counts[freq_order[i]]) if i < len(freq_order) else None])
    h = HEADINGS[metric]
    label = LABELS[metric]
    return Report(f"{label[0].upper() + label[1:]}: top, bottom and most frequent {top} values",
                  [Column("Rank", "int"), Column(f"Top: {h}", "float", 3), Column(f"Bottom: {h}", "float", 3),
                   Column(f"Most frequent: {h}", "float", 1), Column("Customers", "int")], rows)


def report(ctx, params) -> Report:
    import numpy as np

    filters = F.scope(ctx, params)
    top = params.top or 10
    k = 3
    run_params = {"k": k, "normalisation": "log1p, then z-score", "metrics": ["tcp_retrans", "rtt", "throughput"],
                  "replacement": "1.5 IQR outliers capped at the fence, then the mean for missing values; "
                                 "mode for handset", "filters": F.describe_filters(filters)}
    with tracking.tracked(ctx, "experience-kmeans", run_params) as run:
        m = compute(ctx, filters, k)
        run.params.update(algorithm=m.clustering.algorithm, **m.clustering.params)
        sections = []
        names = {"tcp_dl": "TCP retrans. DL (bytes)", "tcp_ul": "TCP retrans. UL (bytes)", "rtt_dl": "RTT DL (ms)",
                 "rtt_ul": "RTT UL (ms)", "tp_dl": "Throughput DL (kbps)", "tp_ul": "Throughput UL (kbps)"}
        rows = [[names[c], m.missing[j], m.outliers[j], round(m.replaced_with[j], 3)]
                for j, c in enumerate(repo.EXPERIENCE_COLS)]
        rows.append(["Handset type", m.handset_missing, 0, m.handset_mode])
        sections.append(Report("Missing values and outliers replaced",
                               [Column("Measure"), Column("Missing", "int"), Column("Outliers", "int"),
                                Column("Replaced with")], rows,
                               notes=["numbers: outliers (beyond 1.5 x IQR from the quartiles) capped at that fence, "
                                      "then missing values replaced by the mean of the customers' capped values "
                                      "(the policy xdr-stats uses too); handset: by the most frequent type",
                                      "a customer's averages are of the sessions where the measure was recorded; "
                                      "'missing' counts customers with no recorded value at all"]))
        for j, metric in enumerate(METRICS):
            sections.append(_values_section(metric, m.values[:, j], top))

        # distributions per handset type (the `top` most common handsets)
        hs, inverse, counts = np.unique(m.handsets.astype(str), return_inverse=True, return_counts=True)
        order = np.lexsort((hs, -counts))[:top]
        tp_rows, tcp_rows = [], []
        for h in order:
            member = inverse == h
            tp = m.values[member, 2]
            q = np.percentile(tp, [25, 50, 75])
            tp_rows.append([str(hs[h]), int(counts[h]), round(float(tp.mean()), 1), round(float(tp.min()), 1),
                            round(float(q[0]), 1), round(float(q[1]), 1), round(float(q[2]), 1),
                            round(float(tp.max()), 1)])
            tcp_rows.append([str(hs[h]), int(counts[h]), display("tcp", float(m.values[member, 0].mean()))])
        sections.append(Report(f"Average throughput per handset type ({len(order)} most common)",
                               [Column("Handset type"), Column("Customers", "int"), Column("Mean (kbps)", "float", 1),
                                Column("Min", "float", 1), Column("25%", "float", 1), Column("Median", "float", 1),
                                Column("75%", "float", 1), Column("Max", "float", 1)], tp_rows,
                               charts=[Chart("Mean throughput per handset type", [r[0] for r in tp_rows],
                                             [r[2] for r in tp_rows], " kbps")]))
        sections.append(Report(f"Average TCP retransmission per handset type ({len(order)} most common)",
                               [Column("Handset type"), Column("Customers", "int"),
                                Column("Avg TCP retrans. (KB)", "float", 3)], tcp_rows,
                               charts=[Chart("Average TCP retransmission per handset type",
                                             [r[0] for r in tcp_rows], [r[2] for r in tcp_rows], " KB")]))

        labels = m.clustering.labels
        sizes, cl_rows = [], []
        for c in range(k):
            centre = m.clustering.centres[c]
            raw = np.expm1(centre * m.std + m.mean)
            sizes.append(int((labels == c).sum()))
            member = labels == c
            hs_c, n_c = np.unique(m.handsets[member].astype(str), return_counts=True)
            common = f"{hs_c[np.argmax(n_c)]} ({100.0 * n_c.max() / member.sum():.0f}%)" if member.any() else ""
            cl_rows.append([c, sizes[-1], display("tcp", raw[0]), round(float(raw[1]), 1), round(float(raw[2]), 1),
                            common, describe_centre(centre, m.mean, m.std, c, k, logged=True)])
        sections.append(Report(f"Experience clusters (k-means, k={k}, on z-scores of log1p)",
                               [Column("Cluster", "int"), Column("Customers", "int"),
                                Column("Centre TCP (KB)", "float", 1), Column("Centre RTT (ms)", "float", 1),
                                Column("Centre throughput (kbps)", "float", 1), Column("Most common handset"),
                                Column("Description")], cl_rows,
                               notes=[f"cluster 0 has the best experience, cluster {k - 1} the worst; "
                                      f"clustered on z-scores of log1p of the three measures (heavy-tailed), centres "
                                      f"shown back on the raw scale; 'high'/'low' mean more than {LEVEL} standard "
                                      f"deviations from the average; {m.clustering.algorithm}, inertia "
                                      f"{m.clustering.inertia:,.2f} after {m.clustering.iterations} iterations",
                                      "the handset type is profiled, not clustered on: as one-hot columns it would "
                                      "cluster by phone rather than by experience (docs/analytics.md)"]))
        run.rows = len(m.ids)
        run.metrics = {"inertia": m.clustering.inertia, "cluster_sizes": sizes,
                       "convergence": {"iterations": m.clustering.iterations, "final_inertia": m.clustering.inertia},
                       "missing_replaced": int(sum(m.missing)), "outliers_replaced": int(sum(m.outliers))}
        run.write_artefact(["customer_id", "tcp_retrans_bytes", "rtt_ms", "throughput_kbps", "handset_type",
                            "cluster"],
                           ([int(m.ids[i]), round(float(m.values[i, 0]), 3), round(float(m.values[i, 1]), 3),
                             round(float(m.values[i, 2]), 3), m.handsets[i], int(labels[i])]
                            for i in range(len(m.ids))))
    overview = [[c, sizes[c], cl_rows[c][6]] for c in range(k)]
    return Report("User experience", [Column("Cluster", "int"), Column("Customers", "int"), Column("Description")],
                  overview, filters=F.describe_filters(filters), sections=sections,
                  notes=[f"{len(m.ids):,} customers with data sessions; model run {run.id} "
                         f"(artefact {run.artefact})"],
                  plot=Plot([
                      Bars("Mean throughput per handset type", [r[0] for r in tp_rows],
                           {"kbps": [r[2] for r in tp_rows]}, horizontal=True, xlabel="kbps"),
                      Bars("Average TCP retransmission per handset type", [r[0] for r in tcp_rows],
                           {"KB": [r[2] for r in tcp_rows]}, horizontal=True, xlabel="KB")]))
