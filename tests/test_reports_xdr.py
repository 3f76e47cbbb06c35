"""xDR reports (services/reports/xdr.py): handsets, per-user overview, exploratory statistics,
on hand-built sessions with known answers and on the TellCo sample."""
from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from analytics_data import TELLCO_SAMPLE
from helpers import make_customer, make_plan
from reports_data import data, write
from telco_console.services.report_registry import ReportParams
from telco_console.services.reports import run_report
from telco_console.services.reports.xdr import clean_column, deciles, describe

T0 = datetime(2026, 10, 7, 10, 0)


def ten_users(ctx):
    """User i (1..10): one session of i seconds, i MB down; Google = 2 x Social (correlation 1),
    Email falls as Social rises (correlation -1); user 1 has no 'Other' volume (missing)."""
    make_plan(ctx)
    rows = []
    for i in range(1, 11):
        c = make_customer(ctx, f"+4479110001{i:02d}", f"User {i}", region="North" if i <= 5 else "South")
        apps = {"social": (i * 1000, 0), "google": (i * 2000, 0), "email": ((11 - i) * 1000, 0),
                "youtube": (((i % 3) + 1) * 1000, 0), "netflix": (i * i * 1000, 0),
                "gaming": (((i * 7) % 10 + 1) * 1000, 0)}
        if i > 1:
            apps["other"] = (i * 500, 0)
        rows.append(data(c["id"], T0 + timedelta(minutes=i), dl=i * 1_000_000, ul=0, duration_ms=i * 1000,
                         apps=apps))
    write(ctx, data_rows=rows)


def test_helpers_deciles_iqr_describe():
    assert list(deciles(list(range(10, 0, -1)))) == list(range(10, 0, -1))
    assert list(deciles(range(20))) == [k for k in range(1, 11) for _ in range(2)]
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0, np.nan])
    cleaned, missing, outliers = clean_column(x)
    assert (missing, outliers) == (1, 1)
    assert cleaned[4] == pytest.approx(7.0)             # capped at Q3 + 1.5 IQR = 4 + 3
    assert cleaned[5] == pytest.approx(3.4)             # the mean of the capped values
    d = describe(np.arange(1.0, 11.0))
    assert d[:4] == [10, 0, 5.5, 5.5] and d[5] == 1.0 and d[8] == 10.0
    assert d[6] == pytest.approx(3.25) and d[7] == pytest.approx(7.75) and d[9] == pytest.approx(0.0)


def test_xdr_stats_known_answers(ctx):
    ten_users(ctx)
    r = run_report(ctx, "xdr-stats", ReportParams())
    by = {row[0]: row for row in r.rows}
    assert by["Duration"][1:5] == [10, 0, 5.5, 5.5]
    assert by["Other (MB)"][1:3] == [9, 1] and by["Other (MB)"][11] == 1
    dec, corr, pca = r.sections
    assert [row[0] for row in dec.rows] == [10, 9, 8, 7, 6]
    assert [row[4] for row in dec.rows] == pytest.approx([10.0, 9.0, 8.0, 7.0, 6.0])
    assert [row[1] for row in dec.rows] == [1] * 5
    names = corr.headers[1:]
    social = corr.rows[names.index("Social media")]
    assert social[1 + names.index("Google")] == pytest.approx(1.0)
    assert social[1 + names.index("Email")] == pytest.approx(-1.0)
    assert pca.rows[-1][2] == pytest.approx(100.0)
    assert pca.rows[0][1] >= pca.rows[1][1]


def test_xdr_overview_per_user(ctx):
    ten_users(ctx)
    r = run_report(ctx, "xdr-overview", ReportParams(top=3, extra={"sort": "duration"}))
    assert [row[0] for row in r.rows] == ["+447911000110", "+447911000109", "+447911000108"]
    i = r.headers.index("Google (MB)")
    assert r.rows[0][i] == Decimal("0.02")
    assert r.rows[0][r.headers.index("Total (MB)")] == Decimal("10.00")
    assert r.totals[1] == 3
    r = run_report(ctx, "xdr-overview", ReportParams(top=20, region="North", extra={"sort": "sessions"}))
    assert len(r.rows) == 5
    assert r.rows[[row[0] for row in r.rows].index("+447911000101")][r.headers.index("Other (MB)")] is None


def test_handsets(ctx):
    make_plan(ctx)
    c = make_customer(ctx, "+447911000201", "H")
    models = ([("Huawei", "Huawei B528S-23A")] * 4 + [("Apple", "Apple iPhone 6")] * 3
              + [("Apple", "Apple iPhone 7")] * 2 + [("Samsung", "Samsung Galaxy S8")] * 2 + [("Nokia", "Nokia 3310")])
    write(ctx, data_rows=[data(c["id"], T0 + timedelta(minutes=k), manufacturer=m, handset=h)
                          for k, (m, h) in enumerate(models)])
    r = run_report(ctx, "handsets", ReportParams())
    assert [row[1:3] for row in r.rows[:3]] == [["Huawei B528S-23A", 4], ["Apple iPhone 6", 3],
                                                ["Apple iPhone 7", 2]]
    mf, per = r.sections
    assert [row[1:3] for row in mf.rows] == [["Apple", 5], ["Huawei", 4], ["Samsung", 2]]
    assert [row[:3] for row in per.rows] == [["Apple", 1, "Apple iPhone 6"], ["Apple", 2, "Apple iPhone 7"],
                                             ["Huawei", 1, "Huawei B528S-23A"], ["Samsung", 1, "Samsung Galaxy S8"]]


def test_empty_xdr_reports_say_so(ctx):
    for name in ("handsets", "xdr-overview", "xdr-stats"):
        r = run_report(ctx, name, ReportParams())
        assert r.is_empty() and r.empty_message


def _num(text):
    return None if text in ("", None) else int(float(text))


def test_tellco_sample(ctx):
    path = TELLCO_SAMPLE
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    make_plan(ctx)
    ids = {}
    batch = []
    apps = {"social": "Social Media", "google": "Google", "email": "Email", "youtube": "Youtube",
            "netflix": "Netflix", "gaming": "Gaming", "other": "Other"}
    for k, row in enumerate(rows):
        msisdn = "+" + str(int(float(row["MSISDN/Number"])))
        if msisdn not in ids:
            ids[msisdn] = make_customer(ctx, msisdn, f"TellCo {k}", region="FR")["id"]
        start = datetime.strptime(row["Start"], "%m/%d/%Y %H:%M")
        batch.append(data(ids[msisdn], start, dl=_num(row["Total DL (Bytes)"]), ul=_num(row["Total UL (Bytes)"]),
                          duration_ms=_num(row["Dur. (ms)"]),
                          apps={a: (_num(row[f"{n} DL (Bytes)"]), _num(row[f"{n} UL (Bytes)"]))
                                for a, n in apps.items()},
                          manufacturer=row["Handset Manufacturer"], handset=row["Handset Type"]))
    write(ctx, data_rows=batch)
    expected = Counter(row["Handset Type"] for row in rows)
    r = run_report(ctx, "handsets", ReportParams())
    assert {row[1]: row[2] for row in r.rows} == dict(expected)
    assert r.rows[0][1:3] == ["Huawei B528S-23A", expected["Huawei B528S-23A"]]
    ov = run_report(ctx, "xdr-overview", ReportParams())
    assert ov.totals[1] == len(rows)
    total_mb = sum(_num(row["Total DL (Bytes)"]) + _num(row["Total UL (Bytes)"]) for row in rows) / 1e6
    assert float(ov.totals[ov.headers.index("Total (MB)")]) == pytest.approx(total_mb, abs=0.05)
    st = run_report(ctx, "xdr-stats", ReportParams())
    assert st.rows[0][1] == len(ids)


def test_the_statistics_read_the_sql_columns_in_their_order():
    from telco_console.repositories import reports as xrepo
    from telco_console.services.reports.xdr import STAT_VARS

    assert [k for k, _, _ in STAT_VARS] == list(xrepo.XDR_SUMS)


def test_column_statistics_at_once_equal_numpy_column_by_column():
    """describe_columns/clean_columns work on all columns together; each column's figures are
    numpy's own (np.percentile, mean, std, min, max) of its present values."""
    from telco_console.services.reports.xdr import clean_columns, describe_columns

    rng = np.random.default_rng(3)
    x = rng.lognormal(3, 1.5, (257, 6))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 4] = np.nan                   # nothing recorded
    x[:, 5] = 7.0                      # constant
    x[:3, 5] = np.nan
    got = describe_columns(x)
    cleaned, missing, outliers = clean_columns(x)
    for j in range(x.shape[1]):
        v = x[~np.isnan(x[:, j]), j]
        assert got[j][:2] == [v.size, x.shape[0] - v.size]
        assert missing[j] == x.shape[0] - v.size
        if v.size == 0:
            assert got[j][2:] == [None] * 8 and (cleaned[:, j] == 0).all() and outliers[j] == 0
            continue
        q1, med, q3 = np.percentile(v, [25, 50, 75])
        m2 = ((v - v.mean()) ** 2).mean()
        skew = ((v - v.mean()) ** 3).mean() / m2 ** 1.5 if m2 > 0 else 0.0
        assert got[j][2:] == pytest.approx([v.mean(), med, v.std(ddof=1), v.min(), q1, q3, v.max(), skew],
                                           rel=1e-12, abs=1e-12)
        out = (x[:, j] < q1 - 1.5 * (q3 - q1)) | (x[:, j] > q3 + 1.5 * (q3 - q1))
        assert outliers[j] == int(out.sum())
        capped = np.clip(v, q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1))
        want = np.where(np.isnan(x[:, j]), capped.mean(), np.clip(x[:, j], capped.min(), capped.max()))
        assert cleaned[:, j] == pytest.approx(want, rel=1e-12)


def test_pca_gives_what_scikit_learn_gives():
    from sklearn.decomposition import PCA

    from telco_console.services.reports.xdr import pca

    rng = np.random.default_rng(5)
    base = rng.normal(size=(300, 3))
    z = np.column_stack([base, base[:, 0] * 2 + rng.normal(scale=0.1, size=300), rng.normal(size=300)])
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    ratios, components = pca(z)
    ref = PCA(n_components=5).fit(z)
    assert ratios == pytest.approx(ref.explained_variance_ratio_, abs=1e-12)
    assert components == pytest.approx(ref.components_, abs=1e-9)


def test_deciles_on_raw_duration_keep_the_longest_users_on_top(ctx):
    """20 users, the two longest far beyond the IQR fences: they stay in decile 10 with their data
    (deciles use the raw values; capping is only for the correlation and PCA)."""
    make_plan(ctx)
    rows = []
    for i in range(1, 21):
        c = make_customer(ctx, f"+4479110002{i:02d}", f"User {i}")
        seconds = 1000 * i if i > 18 else i
        rows.append(data(c["id"], T0 + timedelta(minutes=i), dl=(100 if i > 18 else 1) * 1_000_000, ul=0,
                         duration_ms=seconds * 1000, apps={"social": (1000, 0)}))
    write(ctx, data_rows=rows)
    dec = run_report(ctx, "xdr-stats", ReportParams()).sections[0]
    top = dec.rows[0]
    assert top[0] == 10 and top[1] == 2 and top[2] == 19000.0 and top[3] == 20000.0
    assert top[4] == pytest.approx(200.0) and top[5] == pytest.approx(200 / 218 * 100)
