"""Engagement: SQL aggregates per customer, three planted groups found as three clusters, top lists,
applications, elbow; the run recorded in model_runs with its artefact."""
from __future__ import annotations

import csv

import pytest

from analytics_data import insert, planted_groups, session
from telco_console.errors import PermissionDenied, ValidationError
from telco_console.repositories import analytics as repo
from telco_console.services.analytics import engagement
from telco_console.services.analytics import features as F
from telco_console.services.report_registry import ReportParams


def test_three_planted_groups_are_found_as_three_clusters_of_the_right_sizes(ctx):
    rows, groups = planted_groups()
    insert(ctx, rows)
    feats = F.load_engagement(ctx, {"date_from": None, "date_to": None, "region": None})
    assert len(feats) == 60
    m = engagement.model(ctx, feats, 3)
    by_id = dict(zip(feats.ids.tolist(), m.clustering.labels.tolist()))
    # clusters are numbered from least to most engaged
    assert {by_id[c] for c in groups["light"]} == {0}
    assert {by_id[c] for c in groups["medium"]} == {1}
    assert {by_id[c] for c in groups["heavy"]} == {2}
    assert sorted(m.clustering.labels.tolist()).count(0) == 30


def test_minibatch_above_the_threshold_finds_the_same_groups(ctx):
    rows, groups = planted_groups()
    insert(ctx, rows)
    feats = F.load_engagement(ctx, {"date_from": None, "date_to": None, "region": None})
    Z, _, _, cl = engagement.cluster_metrics(feats.X[:, :3], 3, threshold=10)
    assert cl.algorithm == "MiniBatchKMeans"
    assert sorted((cl.labels == c).sum() for c in range(3)) == [10, 20, 30]


def test_aggregates_are_per_customer_sums(ctx):
    insert(ctx, [session(7, 0, 10, 1000, 100, apps={"youtube": (600, 60), "email": (5, None)}),
                 session(7, 1, 20, 2000, 200, apps={"youtube": (400, 40)})])
    feats = F.load_engagement(ctx, {"date_from": None, "date_to": None, "region": None})
    row = dict(zip(repo.ENGAGEMENT_COLS, feats.X[0].tolist()))
    assert feats.ids.tolist() == [7]
    assert row["sessions"] == 2 and row["duration_ms"] == 30000 and row["traffic_bytes"] == 3300
    # read from the rollups: an application's bytes are those of sessions that recorded it in both
    # directions (the xDR reports' rule), so e-mail's 5 bytes with no uplink figure do not count
    assert row["youtube_bytes"] == 1100 and row["email_bytes"] == 0 and row["netflix_bytes"] == 0


def test_report_sections_top_lists_apps_elbow_and_run(ctx, tmp_path):
    rows, groups = planted_groups()
    insert(ctx, rows)
    rep = engagement.report(ctx, ReportParams(top=5))
    titles = [s.title for s in rep.sections]
    assert titles[0] == "Top 5 customers by number of sessions"
    top_sessions = rep.sections[0].rows
    assert len(top_sessions) == 5 and all(int(r[1]) in groups["heavy"] for r in top_sessions)
    clusters = next(s for s in rep.sections if s.title.startswith("Engagement clusters"))
    assert [r[1] for r in clusters.rows if r[2] == "Sessions"] == [30, 20, 10]
    light_sessions = next(r for r in clusters.rows if r[0] == 0 and r[2] == "Sessions")
    assert light_sessions[3:7] == [1, 1, 1.0, 30]          # min, max, average, total
    apps = next(s for s in rep.sections if s.title == "Total traffic per application")
    assert [r[0] for r in apps.rows[:3]] == ["YouTube", "Gaming", "Social media"]
    top3 = next(s for s in rep.sections if s.title == "The 3 most used applications")
    assert top3.charts and top3.charts[0].labels == ["YouTube", "Gaming", "Social media"]
    per_app = next(s for s in rep.sections if s.title.startswith("Top 5 most engaged users per application"))
    assert {r[0] for r in per_app.rows} == {"YouTube", "Gaming", "Social media"}
    elbow = next(s for s in rep.sections if s.title.startswith("Elbow"))
    assert [r[0] for r in elbow.rows] == list(range(1, 11))
    # on the log scale medium (75 MB) and heavy (150 MB) users are close: the rule says k=2; the
    # analysis keeps k=3 and says so, with both k shown
    chosen = [r[0] for r in elbow.rows if r[3] == "chosen"]
    assert chosen == [2] and "rule:" in elbow.notes[0]
    assert elbow.rows[2][4] == "shown" and elbow.rows[1][4] == "the rule's k"
    assert "keep k = 3" in elbow.notes[1] and "30, 30" in elbow.notes[1]
    runs = ctx.db.run(repo.list_runs, "engagement-kmeans", 5)
    assert len(runs) == 1 and runs[0]["status"] == "done" and runs[0]["rows_used"] == 60
    with open(runs[0]["artefact_path"]) as f:
        data = list(csv.DictReader(f))
    assert len(data) == 60 and set(data[0]) == {"customer_id", "sessions", "duration_ms", "traffic_bytes", "cluster"}
    from telco_console.reporting.plot import save

    assert [type(p).__name__ for p in rep.plot.panels] == ["Bars", "Lines"]
    assert save(rep, str(tmp_path / "engagement.png")) and (tmp_path / "engagement.png").stat().st_size > 1000


def test_too_few_customers_is_a_clear_error_and_a_regional_user_sees_only_their_region(ctx, as_role):
    insert(ctx, [session(1, 0, 10, 100, 10)])
    with pytest.raises(ValidationError, match="at least 3"):
        engagement.report(ctx, ReportParams())
    with pytest.raises(PermissionDenied, match="sees region North only"):     # exit 4, not 1
        engagement.report(as_role("regional", region="North"), ReportParams(region="South"))
    with pytest.raises(PermissionDenied):
        engagement.report(as_role("staff"), ReportParams())


def test_a_regional_user_analyses_only_their_region(ctx, as_role):
    from helpers import make_customer, make_plan

    make_plan(ctx)
    rows = []
    for i in range(6):
        c = make_customer(ctx, f"+4479110000{i:02d}", f"Customer {i}", region="North" if i < 3 else "South")
        rows += [session(c["id"], n, 10 * (i + 1), 1000 * (i + 1) ** 2, 10) for n in range(i + 1)]
    insert(ctx, rows)
    rep = engagement.report(as_role("regional", region="North"), ReportParams())
    assert rep.filters == {"region": "North"} and sum(r[1] for r in rep.rows) == 3
    shown = {r[1] for r in rep.sections[0].rows}
    assert shown == {"+447911000000", "+447911000001", "+447911000002"}


def test_heavy_tails_are_log_scaled_before_clustering():
    """Lognormal sessions and Pareto traffic: on raw z-scores a few extreme customers make a cluster
    of their own; after log1p the smallest of the three clusters holds a real share of customers."""
    import numpy as np

    rng = np.random.default_rng(5)
    n = 1500
    sessions = np.ceil(rng.lognormal(3, 0.8, n))
    raw = np.column_stack([sessions, sessions * rng.lognormal(12, 1.0, n),
                           sessions * (rng.pareto(1.2, n) + 1) * 1e6])
    _, _, _, logged = engagement.cluster_metrics(raw, 3)
    Z, _, _ = F.standardise(raw)
    plain = F.kmeans(Z, 3)
    smallest = lambda cl: min(int((cl.labels == c).sum()) for c in range(3))  # noqa: E731
    assert smallest(plain) < 0.05 * n
    assert smallest(logged) > 0.1 * n


def test_engagement_score_ranks_the_least_engaged_at_the_bottom():
    """The projected score grows with use; the literal distance puts some of the least engaged
    customers (far from the low centre on the light side) above average users."""
    import numpy as np

    rng = np.random.default_rng(2)
    sessions = np.ceil(rng.lognormal(2.5, 1.0, 900))
    raw = np.column_stack([sessions, sessions * rng.lognormal(12, 0.6, 900), sessions * rng.lognormal(16, 0.8, 900)])
    Z, mean, std, cl = engagement.cluster_metrics(raw, 3)
    m = engagement.EngagementModel(np.arange(900), raw, Z, mean, std, cl)
    score = m.score()
    use = np.log1p(raw).sum(axis=1)
    least = np.argsort(use)[:20]
    pct = (np.argsort(np.argsort(score)) + 0.5) / len(score)
    assert pct[least].max() < 0.1                        # the 20 lightest users rank in the bottom tenth
    assert np.corrcoef(score, use)[0, 1] > 0.95
    literal = m.score(how="distance")
    lit_pct = (np.argsort(np.argsort(literal)) + 0.5) / len(literal)
    assert lit_pct[least].max() > pct[least].max()
    assert (m.transform(raw) == pytest.approx(Z))
