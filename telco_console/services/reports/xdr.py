"""xDR reports: handsets (from data_sessions), the per-user overview, and exploratory statistics
(describe, IQR outlier replacement, duration deciles, correlation of the application volumes, PCA).
Per-user sums are computed in SQL from the rollups; numpy (imported lazily) does the statistics
and the PCA (the SVD scikit-learn's PCA uses, tested equal)."""
from __future__ import annotations

from telco_console.applications import APP_NAMES
from telco_console.errors import ValidationError
from telco_console.reporting.report import Bars, Chart, Column, Heatmap, Plot, Report, Seconds
from telco_console.repositories import reports as repo
from telco_console.services.report_registry import ReportOption, ReportSpec
from telco_console.services.reports.common import mb, read_scoped, sum_columns

GROUP = "Handsets and xDR"


def rank_handsets(rows, top: int = 10, makers: int = 3, per: int = 5):
    """From sessions per (manufacturer, handset): the top handsets, the top manufacturers and the
    top handsets of each of those, each list of (name, sessions) ordered by sessions then name."""
    by_handset: dict[str, int] = {}
    by_maker: dict[str, int] = {}
    per_maker: dict[str, dict[str, int]] = {}
    for r in rows:
        n = int(r["sessions"])
        if r["handset"] is not None:
            by_handset[r["handset"]] = by_handset.get(r["handset"], 0) + n
        if r["manufacturer"] is not None:
            by_maker[r["manufacturer"]] = by_maker.get(r["manufacturer"], 0) + n
            if r["handset"] is not None:
                d = per_maker.setdefault(r["manufacturer"], {})
                d[r["handset"]] = d.get(r["handset"], 0) + n

    def ranked(d, k):
        return sorted(d.items(), key=lambda kv: (-kv[1], kv[0].lower()))[:k]

    top_makers = ranked(by_maker, makers)
    return (ranked(by_handset, top), sum(by_handset.values()), top_makers, sum(by_maker.values()),
            {m: ranked(per_maker.get(m, {}), per) for m, _ in top_makers})


def handsets(ctx, params) -> Report:
    top = params.top or 10
    s, counts = read_scoped(ctx, params, lambda conn, s: repo.handset_counts(conn, s.day_from, s.day_to, s.region,
                                                                             s.customer_id))
    hs, all_h, mf, all_m, per = rank_handsets(counts, top)
    cols = [Column("Rank", "int"), Column("Handset"), Column("Sessions", "int"), Column("Share (%)", "percent")]
    report = Report(f"Top {top} handsets", cols, filters=s.filters, empty_message="no xDR sessions with a handset")
    for i, (name, n) in enumerate(hs, 1):
        report.rows.append([i, name, n, n / all_h * 100])
    if not report.rows:
        return report
    report.charts.append(Chart("Sessions per handset", [r[1] for r in report.rows], [r[2] for r in report.rows]))
    m = Report("Top 3 manufacturers", [Column("Rank", "int"), Column("Manufacturer"), Column("Sessions", "int"),
                                       Column("Share (%)", "percent")])
    for i, (name, n) in enumerate(mf, 1):
        m.rows.append([i, name, n, n / all_m * 100])
    report.sections.append(m)
    t = Report("Top 5 handsets of each of the top 3 manufacturers",
               [Column("Manufacturer"), Column("Rank", "int"), Column("Handset"), Column("Sessions", "int")])
    for maker, _ in mf:
        for i, (name, n) in enumerate(per[maker], 1):
            t.rows.append([maker, i, name, n])
    report.sections.append(t)
    report.plot = Plot([
        Bars(report.title, [r[1] for r in report.rows], {"Sessions": [r[2] for r in report.rows]}, horizontal=True),
        Bars("Top 3 manufacturers", [r[1] for r in m.rows], {"Sessions": [r[2] for r in m.rows]})])
    return report


def _overview_columns() -> list[Column]:
    return ([Column("MSISDN"), Column("Sessions", "int"), Column("Duration", "duration"),
             Column("DL (MB)", "decimal", 2), Column("UL (MB)", "decimal", 2), Column("Total (MB)", "decimal", 2)]
            + [Column(f"{APP_NAMES[a]} (MB)", "decimal", 2) for a in repo.APPS])


def xdr_overview(ctx, params) -> Report:
    from decimal import ROUND_HALF_UP, Decimal

    sort = params.extra.get("sort") or "sessions"
    top = params.top or 20
    s, rows = read_scoped(ctx, params, lambda conn, s: repo.xdr_per_user(conn, s.day_from, s.day_to, s.region,
                                                                         s.customer_id, sort, top))
    cols = _overview_columns()
    report = Report("xDR overview per user", cols, filters={**s.filters, "sorted by": sort, "top": top},
                    empty_message="no xDR sessions for these filters")
    for r in rows:
        report.rows.append([r["msisdn"], int(r["sessions"]),
                            (Decimal(int(r["duration_ms"] or 0)) / 1000).quantize(Decimal("0.1"), ROUND_HALF_UP),
                            mb(r["bytes_dl"]), mb(r["bytes_ul"]), mb(int(r["bytes_dl"] or 0) + int(r["bytes_ul"] or 0))]
                           + [None if r[a] is None else mb(r[a]) for a in repo.APPS])
    if report.rows:
        report.totals = sum_columns(report.rows, cols, label=f"Total (top {top})")
        apps = [float(v or 0) for v in report.totals[6:]]
        report.charts.append(Chart("Volume per application, these users (MB)",
                                   [APP_NAMES[a] for a in repo.APPS], apps))
        report.plot = Plot([Bars("Volume per application (MB)", [APP_NAMES[a] for a in repo.APPS], {"MB": apps})])
    return report


# the per-user variables, in the order of repo.XDR_SUMS: (alias, heading, divisor)
STAT_VARS = (("sessions", "Sessions", 1), ("duration_ms", "Duration", 1000), ("bytes_dl", "DL (MB)", 1e6),
             ("bytes_ul", "UL (MB)", 1e6)) + tuple((a, f"{APP_NAMES[a]} (MB)", 1e6) for a in repo.APPS)


def _quantiles(x, counts, qs):
    """Per column of x (NaN for missing, counts[j] values present): the quantiles qs (0..1) by
    numpy's default linear method, and the minimum and maximum: ([values per q], min, max). Each
    column is partitioned at just the ranks needed (NaN sorts last), not sorted."""
    import numpy as np

    k = x.shape[1]
    found = [np.full(k, np.nan) for _ in qs]
    low, high = np.full(k, np.nan), np.full(k, np.nan)
    for j in range(k):
        c = int(counts[j])
        if c == 0:
            continue
        spots = []
        for q in qs:
            pos = (c - 1) * q
            lo = int(np.floor(pos))
            spots.append((lo, min(lo + 1, c - 1), pos - lo))
        ranks = sorted({0, c - 1, *(r for lo, hi, _ in spots for r in (lo, hi))})
        part = np.partition(x[:, j], ranks)
        for i, (lo, hi, t) in enumerate(spots):
            a, b = part[lo], part[hi]
            found[i][j] = b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t     # numpy's _lerp
        low[j], high[j] = part[0], part[c - 1]
    return found, low, high


def describe_columns(x, quartiles=None) -> list[list]:
    """For each column of a 2-D array with NaN for missing: count, missing, mean, median, std
    (n - 1), min, Q1, Q3, max, skew (population moments), computed for all columns at once.
    quartiles: quartiles(x), when already made."""
    import numpy as np

    n, k = x.shape
    present = ~np.isnan(x)
    counts = present.sum(axis=0)
    safe = np.maximum(counts, 1)
    (q1, med, q3), low, high = quartiles if quartiles is not None else _quantiles(x, counts, (0.25, 0.5, 0.75))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, x, 0.0).sum(axis=0) / safe
        dev = np.where(present, x - mean, 0.0)
        sq = dev * dev
        m2 = sq.sum(axis=0) / safe
        m3 = (sq * dev).sum(axis=0) / safe        # (dev ** 3 goes through pow(): 40x slower)
        std = np.sqrt(sq.sum(axis=0) / np.maximum(counts - 1, 1))
        skew = np.where(m2 > 0, m3 / m2 ** 1.5, 0.0)
    out = []
    for j in range(k):
        c = int(counts[j])
        if c == 0:
            out.append([0, n] + [None] * 8)
            continue
        out.append([c, n - c, float(mean[j]), float(med[j]), float(std[j]) if c > 1 else 0.0,
                    float(low[j]), float(q1[j]), float(q3[j]), float(high[j]), float(skew[j])])
    return out


def describe(x):
    """count, missing, mean, median, std, min, q1, q3, max, skew of a 1-D array with NaN for missing."""
    return describe_columns(x.reshape(-1, 1))[0]


def quartiles(x):
    """([Q1, median, Q3], min, max) of each column of x (NaN for missing)."""
    import numpy as np

    return _quantiles(x, (~np.isnan(x)).sum(axis=0), (0.25, 0.5, 0.75))


def clean_columns(x, quartiles=None):
    """The one outlier policy of the analyses (xdr-stats and experience): per column, values beyond
    1.5 IQR from the quartiles are capped at that fence (winsorised: a heavy user stays among the
    heaviest instead of becoming average), then missing values are replaced by the mean of the capped
    present values. All columns at once. Returns (cleaned, missing replaced per column, outliers
    capped per column); a column with no values becomes zeros. quartiles: quartiles(x), when made."""
    import numpy as np

    present = ~np.isnan(x)
    counts = present.sum(axis=0)
    safe = np.maximum(counts, 1)
    (q1, _, q3), _, _ = quartiles if quartiles is not None else _quantiles(x, counts, (0.25, 0.5, 0.75))
    with np.errstate(invalid="ignore"):
        iqr = q3 - q1
        low, high = q1 - 1.5 * iqr, q3 + 1.5 * iqr
        outlier = present & ((x < low) | (x > high))
        capped = np.where(present, np.clip(x, low, high), 0.0)
        mean = capped.sum(axis=0) / safe
    out = np.where(present, capped, mean)
    out[:, counts == 0] = 0.0
    return out, (~present).sum(axis=0).tolist(), outlier.sum(axis=0).tolist()


def clean_column(x):
    """clean_columns of one 1-D column: (cleaned, missing replaced, outliers replaced)."""
    cleaned, missing, outliers = clean_columns(x.reshape(-1, 1))
    return cleaned[:, 0], missing[0], outliers[0]


def pca(z):
    """Principal components of the rows of z: (explained variance ratio per component, components
    as rows), as scikit-learn's PCA gives them (the same SVD and sign convention: each component's
    largest loading positive), without importing scikit-learn for one small SVD."""
    import numpy as np

    zc = z - z.mean(axis=0)
    _, s, vt = np.linalg.svd(zc, full_matrices=False)
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    signs[signs == 0] = 1.0
    var = s ** 2
    total = var.sum()
    return (var / total if total > 0 else np.zeros_like(var)), vt * signs[:, None]


def deciles(values):
    """Decile class 1..10 of each value by rank (ties kept in the same order as given)."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    n = v.size
    ranks = np.empty(n, dtype=int)
    ranks[np.argsort(v, kind="stable")] = np.arange(n)
    return ranks * 10 // max(n, 1) + 1


def xdr_stats(ctx, params) -> Report:
    import numpy as np

    s, sql_rows = read_scoped(ctx, params, lambda conn, s: repo.xdr_rows(conn, s.day_from, s.day_to, s.region,
                                                                         s.customer_id, "sessions", None))
    cols = [Column("Variable"), Column("Count", "int"), Column("Missing", "int"), Column("Mean", "float"),
            Column("Median", "float"), Column("Std", "float"), Column("Min", "float"), Column("Q1", "float"),
            Column("Q3", "float"), Column("Max", "float"), Column("Skew", "float", 3),
            Column("Missing replaced", "int"), Column("Outliers capped", "int")]
    report = Report("xDR exploratory statistics per user", cols, filters=s.filters,
                    empty_message="no xDR sessions for these filters")
    if not sql_rows:
        return report
    # (msisdn, customer_id, then the variables in STAT_VARS order); None becomes NaN
    data = np.array([r[2:] for r in sql_rows], dtype=float) / np.array([scale for _, _, scale in STAT_VARS])
    quarts = quartiles(data)
    cleaned, n_missing, n_out = clean_columns(data, quarts)
    timed = {"Mean", "Median", "Std", "Min", "Q1", "Q3", "Max"}     # of the duration: shown in h/min/s
    for j, ((alias, label, _), stats) in enumerate(zip(STAT_VARS, describe_columns(data, quarts))):
        if alias == "duration_ms":
            stats = [Seconds(v) if c.name in timed and v is not None and v == v else v
                     for v, c in zip(stats, cols[1:])]
        report.rows.append([label] + stats + [n_missing[j], n_out[j]])
    report.notes.append(f"{len(sql_rows):,} users. For the correlation and PCA below only, values beyond 1.5 IQR "
                        "from the quartiles are capped at that fence and missing values replaced by the column "
                        "mean (the same policy as the experience analysis); deciles use the raw values.")

    # deciles of the raw total duration, total raw data per decile (top five)
    duration = np.nan_to_num(data[:, 1])
    total_mb = np.nan_to_num(data[:, 2]) + np.nan_to_num(data[:, 3])
    dec = deciles(duration)
    d = Report("Total data per decile of total session duration (top five deciles)",
               [Column("Decile", "int"), Column("Users", "int"), Column("Duration from", "duration"),
                Column("Duration to", "duration"), Column("Total data (MB)", "float", 2),
                Column("Share of data (%)", "percent")])
    all_mb = float(total_mb.sum())
    for k in range(10, 5, -1):
        sel = dec == k
        if sel.any():
            d.rows.append([k, int(sel.sum()), float(duration[sel].min()), float(duration[sel].max()),
                           float(total_mb[sel].sum()), float(total_mb[sel].sum()) / all_mb * 100 if all_mb else 0.0])
    d.charts.append(Chart("Total data per decile (MB)", [f"D{r[0]}" for r in d.rows], [r[4] for r in d.rows]))
    report.sections.append(d)

    # correlation matrix of the seven application volumes
    app_idx = list(range(4, 4 + len(repo.APPS)))
    names = [APP_NAMES[a] for a in repo.APPS]
    apps = cleaned[:, app_idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(apps, rowvar=False) if len(sql_rows) > 1 else np.full((7, 7), np.nan)
    c = Report("Correlation of application volumes", [Column("Application")]
               + [Column(n, "float", 3) for n in names])
    for i, n in enumerate(names):
        c.rows.append([n] + [None if np.isnan(x) else float(x) for x in corr[i]])
    report.sections.append(c)

    # PCA of the standardised application volumes
    p = Report("Principal components of application volumes",
               [Column("Component"), Column("Explained variance (%)", "percent", 1),
                Column("Cumulative (%)", "percent", 1), Column("Top loadings")])
    std = apps.std(axis=0)
    usable = std > 0
    if len(sql_rows) >= 2 and usable.sum() >= 1:
        z = (apps[:, usable] - apps[:, usable].mean(axis=0)) / std[usable]
        ratios, components = pca(z)
        used = [n for n, ok in zip(names, usable) if ok]
        cum = 0.0
        for i, (ratio, comp) in enumerate(zip(ratios, components), 1):
            cum += float(ratio) * 100
            top = np.argsort(-np.abs(comp))[:3]
            p.rows.append([f"PC{i}", float(ratio) * 100, cum, ", ".join(f"{used[j]} {comp[j]:+.2f}" for j in top)])
        if not usable.all():
            p.notes.append("Left out (constant): " + ", ".join(n for n, ok in zip(names, usable) if not ok))
    else:
        p.empty_message = "too few users or no varying application volume for a PCA"
    report.sections.append(p)
    report.plot = Plot([
        Heatmap("Correlation of application volumes", names, names,
                [[0.0 if np.isnan(x) else float(x) for x in row] for row in corr], vmin=-1, vmax=1),
        Bars("Total data per duration decile (MB)", [f"D{r[0]}" for r in d.rows], {"MB": [r[4] for r in d.rows]})])
    return report


def _choice(name, choices):
    def parse(text):
        t = (text or "").strip().lower()
        if t not in choices:
            raise ValidationError(f"--{name} must be one of {', '.join(choices)}")
        return t
    return parse


DATES = ("from", "to", "period")
XDR_SORTS = ("sessions", "duration", "volume")
REPORTS = [
    ReportSpec("handsets", "Handsets", GROUP, handsets, params=DATES + ("region", "customer", "top"),
               description="top 10 handsets, top 3 manufacturers, top 5 handsets of each of those 3"),
    ReportSpec("xdr-overview", "xDR overview per user", GROUP, xdr_overview,
               params=DATES + ("region", "customer", "top"),
               options=(ReportOption("sort", "sort users by (descending)", "sessions", XDR_SORTS,
                                     _choice("sort", XDR_SORTS)),),
               description="per user: sessions, duration, DL, UL and volume per application (top N, default 20)"),
    ReportSpec("xdr-stats", "xDR exploratory statistics", GROUP, xdr_stats, params=DATES + ("region",),
               description="describe each per-user variable, IQR outliers, duration deciles, correlation, PCA"),
]
