"""Experience: per-customer averages in SQL, missing values/outliers replaced by the mean and handset by
the mode, top/bottom/most frequent values, per-handset distributions, k=3 clusters described in words."""
from __future__ import annotations

import math

import pytest

from analytics_data import insert, session
from telco_console.services.analytics import experience
from telco_console.services.analytics import features as F
from telco_console.services.report_registry import ReportParams

ALL = {"date_from": None, "date_to": None, "region": None}


def experience_groups():
    """10 good (low RTT and retransmission, high throughput), 10 middling, 10 poor customers."""
    rows, cid = [], 1
    for _quality, rtt, tp, tcp, handset in (("good", 20, 9000, 1000, "Phone A"), ("mid", 60, 3000, 20000, "Phone B"),
                                            ("poor", 150, 300, 90000, "Phone C")):
        for i in range(10):
            j = 1 + (i % 3) * 0.02
            rows.append(session(cid, 0, 60, 1000, 100, rtt=(rtt * j, rtt * j / 5), tp=(tp * j, tp * j / 10),
                                tcp=(int(tcp * j), int(tcp * j / 10)), handset=handset))
            cid += 1
    return rows


def test_averages_per_customer_ignore_missing_values_and_pick_the_most_frequent_handset(ctx):
    insert(ctx, [session(5, 0, 60, 1, 1, rtt=(10, 2), tp=(100, 10), tcp=(None, None), handset="X"),
                 session(5, 1, 60, 1, 1, rtt=(30, None), tp=(300, 30), tcp=(None, None), handset="Y"),
                 session(5, 2, 60, 1, 1, rtt=(None, None), tp=(None, None), tcp=(None, None), handset="Y"),
                 session(6, 0, 60, 1, 1, handset="undefined")])
    f = F.load_experience(ctx, ALL)
    assert f.ids.tolist() == [5, 6]
    row = f.X[0]
    assert math.isnan(row[0]) and math.isnan(row[1])       # no TCP values at all
    assert row[2] == 20 and row[3] == 2 and row[4] == 200 and row[5] == 20
    assert f.labels.tolist() == ["Y", None]                # 'undefined' is unknown


def test_outliers_are_capped_missing_values_get_the_mean_and_handset_the_mode():
    import numpy as np

    X = np.array([[1.0], [2.0], [3.0], [np.nan], [1000.0], [2.0]])
    clean, missing, outliers, means = F.replace_missing_and_outliers(X)
    # quartiles 2 and 3 of the present values: the fence is 3 + 1.5 x 1 = 4.5; 1000 is capped there
    # (still the largest), and the missing value gets the mean of the capped values (1+2+3+4.5+2) / 5
    assert missing == [1] and outliers == [1] and means == [pytest.approx(2.5)]
    assert clean[:, 0].tolist() == pytest.approx([1.0, 2.0, 3.0, 2.5, 4.5, 2.0])
    labels, n, mode = F.replace_mode(np.array(["A", None, "B", "A"], dtype=object))
    assert (labels.tolist(), n, mode) == (["A", "A", "B", "A"], 1, "A")


def test_three_experience_groups_are_clustered_and_described(ctx):
    insert(ctx, experience_groups())
    rep = experience.report(ctx, ReportParams(top=10))
    clusters = next(s for s in rep.sections if s.title.startswith("Experience clusters"))
    assert [r[1] for r in clusters.rows] == [10, 10, 10]
    best, mid, worst = (r[6] for r in clusters.rows)
    assert [r[5] for r in clusters.rows] == ["Phone A (100%)", "Phone B (100%)", "Phone C (100%)"]
    assert best.startswith("Best experience: low TCP retransmission") and "high throughput" in best
    assert worst.startswith("Worst experience: high TCP retransmission") and "high RTT" in worst
    assert "low throughput" in worst and mid.startswith("Middling experience")
    assert "(150.0 ms" not in worst and "ms)" in worst
    rtt = next(s for s in rep.sections if s.title.startswith("RTT: top, bottom"))
    assert rtt.rows[0][1] == round(150 * 1.04 * 1.2, 3) and rtt.rows[0][2] == 24.0
    assert rtt.rows[0][4] >= 3                           # the most frequent value is shared by several
    handsets = next(s for s in rep.sections if s.title.startswith("Average throughput per handset"))
    by_handset = {r[0]: r for r in handsets.rows}
    assert set(by_handset) == {"Phone A", "Phone B", "Phone C"} and by_handset["Phone C"][1] == 10
    assert by_handset["Phone A"][2] > by_handset["Phone B"][2] > by_handset["Phone C"][2]
    tcp = next(s for s in rep.sections if s.title.startswith("Average TCP retransmission per handset"))
    assert {r[0]: r[2] for r in tcp.rows}["Phone A"] < {r[0]: r[2] for r in tcp.rows}["Phone C"]
    replaced = rep.sections[0]
    assert replaced.rows[-1][0] == "Handset type" and replaced.rows[-1][1] == 0


def test_describe_centre_words():
    import numpy as np

    text = experience.describe_centre(np.array([1.0, 0.1, -2.0]), np.array([5000.0, 50.0, 1000.0]),
                                      np.array([1000.0, 10.0, 100.0]), 2, 3)
    assert text == ("Worst experience: high TCP retransmission (6.0 KB), average RTT (51.0 ms), "
                    "low throughput (800.0 kbps).")


def test_identical_measures_cannot_make_three_clusters(ctx):
    import pytest

    from telco_console.errors import ValidationError

    insert(ctx, [session(c, 0, 60, 1000, 100) for c in range(1, 5)])
    with pytest.raises(ValidationError, match="only 1 distinct value"):
        experience.report(ctx, ReportParams())


def test_demo_data_has_missing_measures_at_tellco_rates_and_imputation_is_exercised(ctx):
    from telco_console.repositories.base import fetch_one
    from telco_console.services import demo

    demo.load_demo(ctx, customers=120, days=10, seed=9, bootstrap=True)
    share = ctx.db.run(fetch_one, "SELECT COUNT(*) AS n, AVG(rtt_dl_ms IS NULL) AS rtt,"
                                  " AVG(tcp_retrans_dl_bytes IS NULL) AS tcp, AVG(tp_dl_kbps IS NULL) AS tp,"
                                  " AVG(handset_type = 'undefined') AS hs"
                                  " FROM data_sessions")
    assert share["n"] > 1000
    assert 0.15 < share["rtt"] < 0.23 and 0.54 < share["tcp"] < 0.64
    assert share["tp"] < 0.01 and share["hs"] < 0.02
    rep = experience.report(ctx, ReportParams())
    missing = {r[0]: r[1] for r in rep.sections[0].rows}
    assert missing["TCP retrans. UL (bytes)"] > 0          # customers with no recorded value at all
