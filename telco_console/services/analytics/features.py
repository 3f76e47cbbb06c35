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
    ctx.require(*ANALYST_ROLES, action="run customer analytics")
    region = params.region
    if ctx.user.role == "regional":
        if region and region != ctx.user.region:
            raise ValidationError(f"you may only analyse region {ctx.user.region}, not {region}")
        region = ctx.user.region
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


def _load(ctx, filters: dict, chunks_fn, width: int, desc: str, with_label: bool):
    import numpy as np

    def read(conn):
        n = repo.count_customers(conn, **filters)
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
    """sessions, duration_ms, traffic_bytes and the 7 applications' bytes, per customer."""
    ids, X, _ = _load(ctx, filters, repo.engagement_chunks, len(repo.ENGAGEMENT_COLS), "engagement", False)
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
    return Clustering(rank[model.labels_], centres[order], float(model.inertia_), algorithm, params)


def replace_missing_and_outliers(X):
    """Per column: missing values (NaN) and outliers (beyond 1.5 IQR from the quartiles) replaced by the mean
    of the remaining values. Returns (clean copy, missing counts, outlier counts, replacement values)."""
    import numpy as np

    X = X.copy()
    missing, outliers, means = [], [], []
    for j in range(X.shape[1]):
        col = X[:, j]
        nan = np.isnan(col)
        known = col[~nan]
        if len(known) == 0:
            col[:] = 0.0
            missing.append(int(nan.sum()))
            outliers.append(0)
            means.append(0.0)
            continue
        q1, q3 = np.percentile(known, [25, 75])
        iqr = q3 - q1
        out = ~nan & ((col < q1 - 1.5 * iqr) | (col > q3 + 1.5 * iqr))
        keep = ~nan & ~out
        mean = float(col[keep].mean()) if keep.any() else float(known.mean())
        col[nan | out] = mean
        missing.append(int(nan.sum()))
        outliers.append(int(out.sum()))
        means.append(mean)
    return X, missing, outliers, means


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
