"""Per-customer feature matrices read from SQL in bounded memory, and the shared clustering step.

The aggregates come from repositories.analytics (GROUP BY customer_id in the database); they are
streamed in chunks into numpy arrays preallocated from a COUNT in the same transaction (one
consistent snapshot), so memory is the size of the result, never a list of Python rows.
numpy and scikit-learn are imported inside the functions so the console starts instantly."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telco_console.errors import ValidationError
from telco_console.repositories import analytics as repo

CHUNK = 20000
DEFAULT_MINIBATCH_THRESHOLD = 50000
SEED = 0
ANALYST_ROLES = ("analyst", "admin", "regional")


@dataclass
class Features:
    ids: Any                 # numpy int64 array of customer ids
    X: Any                   # numpy float64 matrix, one row per customer
    columns: tuple[str, ...]
    labels: Any = None       # optional object array (handset type)
    filters: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


def setting(ctx, key: str, default):
    """[analytics] KEY from the config when the schema has it, else the default."""
    try:
        value = ctx.config.get("analytics", key)
    except (KeyError, AttributeError):
        return default
    return default if value in (None, "") else value


def scope(ctx, params) -> dict:
    """The filters an analysis runs with: dates and region (a regional user sees only their region)."""
    ctx.check("analytics.run")
    region = ctx.narrow_region(params.region)
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise ValidationError("the start date is after the end date")
    return {"date_from": params.date_from, "date_to": params.date_to, "region": region}


def describe_filters(filters: dict) -> dict:
    shown = {}
    if filters.get("date_from"):
        shown["from"] = filters["date_from"].isoformat()
    if filters.get("date_to"):
        shown["to"] = filters["date_to"].isoformat()
    if filters.get("region"):
        shown["region"] = filters["region"]
    return shown


def progress(ctx, total: int, desc: str):
    """A tqdm bar on stderr when the context shows progress and the work is large, else None."""
    return _progress(ctx, total, desc)


def _progress(ctx, total: int, desc: str):
    if not getattr(ctx, "progress", False) or total < CHUNK:
        return None
    import sys

    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="customers", file=sys.stderr, leave=False)


def _load(ctx, filters: dict, chunks_fn, width: int, desc: str, with_label: bool, count_fn=None):
    import numpy as np

    def read(conn):
        n = (count_fn or repo.count_customers)(conn, **filters)
        ids = np.empty(n, dtype=np.int64)
        X = np.empty((n, width), dtype=np.float64)
        labels = np.empty(n, dtype=object) if with_label else None
        bar = _progress(ctx, n, desc)
        i = 0
        try:
            for rows in chunks_fn(conn, chunk=CHUNK, **filters):
                m = len(rows)
                if i + m > len(ids):          # rows arrived after the count: grow once
                    extra = i + m - len(ids)
                    ids = np.concatenate([ids, np.empty(extra, dtype=np.int64)])
                    X = np.vstack([X, np.empty((extra, width))])
                    if with_label:
                        labels = np.concatenate([labels, np.empty(extra, dtype=object)])
                # numbers arrive as float/int (NULL -> NaN); the label, if any, is the last column
                block = np.array([r[:1 + width] for r in rows] if with_label else rows, dtype=np.float64)
                ids[i:i + m] = block[:, 0]
                X[i:i + m] = block[:, 1:]
                if with_label:
                    labels[i:i + m] = [r[1 + width] for r in rows]
                i += m
                if bar:
                    bar.update(m)
        finally:
            if bar:
                bar.close()
        return ids[:i], X[:i], (labels[:i] if with_label else None)

    ids, X, labels = ctx.db.read(read)       # the read nodes ([database] read_hosts) when set
    return ids, X, labels


def load_engagement(ctx, filters: dict) -> Features:
    """sessions, duration_ms, traffic_bytes and the 7 applications' bytes, per customer (from the
    per-customer rollups)."""
    ids, X, _ = _load(ctx, filters, repo.engagement_chunks, len(repo.ENGAGEMENT_COLS), "engagement", False,
                      repo.count_engagement)
    return Features(ids, X, repo.ENGAGEMENT_COLS, filters=filters)


def load_experience(ctx, filters: dict) -> Features:
    """Average TCP retransmission, RTT and throughput (DL, UL) per customer, NaN when unknown, and the
    customer's most frequent handset type (None when unknown)."""
    ids, X, labels = _load(ctx, filters, repo.experience_chunks, len(repo.EXPERIENCE_COLS), "experience", True)
    return Features(ids, X, repo.EXPERIENCE_COLS, labels=labels, filters=filters)


def standardise(X):
    """z-scores per column (a constant column becomes 0); returns (Z, mean, std)."""
    import numpy as np

    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X - mean) / std, mean, std


@dataclass
class Clustering:
    labels: Any          # cluster per row, 0..k-1, ordered by the centre's sum of z-scores (ascending)
    centres: Any         # in the space the model was fitted in
    inertia: float
    algorithm: str
    params: dict
    iterations: int = 0  # the fitted model's n_iter_ (convergence, recorded in model runs)


def kmeans(Z, k: int, threshold: int = DEFAULT_MINIBATCH_THRESHOLD, order_by=None, seed: int = SEED) -> Clustering:
    """k-means on an already normalised matrix; MiniBatchKMeans above `threshold` rows. Clusters are
    renumbered by ascending `order_by(centre)` (default: the sum of the centre's coordinates), so that
    numbering is stable between runs."""
    import numpy as np

    n = len(Z)
    if n < k:
        raise ValidationError(f"{k} clusters need at least {k} customers with data sessions; there are {n}")
    distinct = len(np.unique(Z[:10000] if n > 10000 else Z, axis=0))
    if distinct < k:
        raise ValidationError(f"the customers' measures take only {distinct} distinct value(s): "
                              f"{k} clusters need at least {k}")
    if n > threshold:
        from sklearn.cluster import MiniBatchKMeans

        params = dict(n_clusters=k, random_state=seed, n_init=3, batch_size=4096)
        model = MiniBatchKMeans(**params).fit(Z)
        algorithm = "MiniBatchKMeans"
    else:
        from sklearn.cluster import KMeans

        params = dict(n_clusters=k, random_state=seed, n_init=10)
        model = KMeans(**params).fit(Z)
        algorithm = "KMeans"
    centres = model.cluster_centers_
    keys = np.array([order_by(c) if order_by else float(np.sum(c)) for c in centres])
    order = np.argsort(keys, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return Clustering(rank[model.labels_], centres[order], float(model.inertia_), algorithm, params,
                      int(getattr(model, "n_iter_", 0)))


def replace_missing_and_outliers(X):
    """The analyses' one outlier policy (services.reports.xdr.clean_columns, also behind xdr-stats):
    per column, values beyond 1.5 IQR from the quartiles capped at the fence, then missing values
    (NaN) replaced by the mean of the capped values. Returns (clean copy, missing counts, outlier
    counts, the value that replaced missing ones)."""
    import numpy as np

    from telco_console.services.reports.xdr import clean_columns

    clean, missing, outliers = clean_columns(np.asarray(X, dtype=float))
    present = ~np.isnan(X)
    means = [float(clean[present[:, j], j].mean()) if present[:, j].any() else 0.0 for j in range(X.shape[1])]
    return clean, missing, outliers, means


def fit_policy(X) -> tuple:
    """The outlier policy fitted on some customers, to apply to others (a hold-out): per column the
    1.5 IQR fences and the mean of the capped present values. Returns (low, high, fill)."""
    import numpy as np

    with np.errstate(invalid="ignore"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore", RuntimeWarning)
        q1, q3 = np.nanpercentile(X, [25, 75], axis=0)
        low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        fill = np.nanmean(np.clip(X, low, high), axis=0)
    return low, high, np.nan_to_num(fill)


def apply_policy(X, policy):
    """Cap at the fitted fences, fill missing values with the fitted mean (a column never seen: 0)."""
    import numpy as np

    low, high, fill = policy
    capped = np.clip(X, np.nan_to_num(low, nan=-np.inf), np.nan_to_num(high, nan=np.inf))
    return np.where(np.isnan(capped), fill, capped)


def log_scale(X):
    """log1p of non-negative, heavy-tailed measures (volumes, durations, counts per customer are
    lognormal or Pareto): z-scores of the raw values let a handful of extreme customers make a cluster
    of their own and dominate every distance."""
    import numpy as np

    return np.log1p(np.clip(X, 0, None))


SCORE_METHODS = ("projected", "distance")


def score_along(Z, low_centre, high_centre, how: str = "projected"):
    """A score per row of Z that ranks. 'projected' (the default): the signed position along the line
    from `low_centre` (the least engaged / worst experience) to `high_centre` (the most engaged / best),
    0 at the low centre, in standard-deviation units; below 0 means beyond the low centre. 'distance':
    the challenge's literal Euclidean distance to `low_centre`, which also grows for customers that
    are far from it in the wrong direction (kept as a documented option)."""
    import numpy as np

    low = np.asarray(low_centre, dtype=float)
    if how == "distance":
        return np.sqrt(((Z - low) ** 2).sum(axis=1))
    if how != "projected":
        raise ValidationError(f"the score is 'projected' or 'distance', not '{how}'")
    axis = np.asarray(high_centre, dtype=float) - low
    norm = float(np.sqrt((axis ** 2).sum()))
    if norm == 0:
        return np.zeros(len(Z))
    return (Z - low) @ (axis / norm)


def single_thread():
    """One OpenMP/BLAS thread around model work: on a small shared machine k-means and the tree
    ensembles spin their threads against other processes."""
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime, so that the limit reaches it)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def replace_mode(labels):
    """Unknown handsets (None) replaced by the most frequent one; returns (labels, count replaced, mode)."""
    from collections import Counter

    known = [x for x in labels if x is not None]
    mode = Counter(known).most_common(1)[0][0] if known else "undefined"
    out = labels.copy()
    missing = 0
    for i, x in enumerate(out):
        if x is None:
            out[i] = mode
            missing += 1
    return out, missing, mode


def require_rows(features: Features, what: str, minimum: int = 1) -> None:
    if len(features) < minimum:
        raise ValidationError(f"{what} needs data sessions of at least {minimum} customer(s) for these filters; "
                              f"found {len(features)}")
