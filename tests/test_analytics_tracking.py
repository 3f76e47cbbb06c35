"""Model tracking: runs recorded with parameters, code version, git commit, times, rows, metrics and
artefact; failed runs marked failed; the runs list and the comparison of two runs."""
from __future__ import annotations

import json

import pytest

from telco_console import __version__
from telco_console.errors import NotFoundError, ValidationError
from telco_console.repositories import analytics as repo
from telco_console.services.analytics import tracking
from telco_console.services.report_registry import ReportParams


def test_a_tracked_run_records_everything(ctx):
    with tracking.tracked(ctx, "engagement-kmeans", {"k": 3}) as run:
        run.rows = 2
        run.metrics = {"inertia": 1.5}
        path = run.write_artefact(["customer_id", "cluster"], [[1, 0], [2, 1]])
    r = ctx.db.run(repo.get_run, run.id)
    assert r["status"] == "done" and r["rows_used"] == 2 and r["code_version"] == __version__
    assert json.loads(r["params"]) == {"k": 3} and json.loads(r["metrics"]) == {"inertia": 1.5}
    assert r["finished_at"] >= r["started_at"] and r["username"] == "system"
    assert r["git_commit"] == tracking.git_commit() and (r["git_commit"] is None or len(r["git_commit"]) == 40)
    assert r["artefact_path"] == path and path.startswith(str(tracking.models_dir(ctx)))
    assert open(path).read().splitlines() == ["customer_id,cluster", "1,0", "2,1"]


def test_the_artefact_directory_is_configurable(ctx, tmp_path):
    other = ctx.with_user(ctx.user)
    other.config = ctx.config.with_overrides(analytics__models_dir=str(tmp_path / "models"))
    run = tracking.start(other, "satisfaction", {})
    assert run.write_artefact(["a"], [[1]]).startswith(str(tmp_path / "models"))


def test_a_failed_run_is_marked_failed(ctx):
    with pytest.raises(ValidationError), tracking.tracked(ctx, "satisfaction", {}) as run:
        raise ValidationError("boom")
    r = ctx.db.run(repo.get_run, run.id)
    assert r["status"] == "failed" and json.loads(r["metrics"]) == {"error": "boom"}


def test_runs_list_and_compare(ctx):
    ids = []
    for k, inertia in ((3, 10.0), (4, 7.5)):
        with tracking.tracked(ctx, "engagement-kmeans", {"k": k, "seed": 0}) as run:
            run.metrics = {"inertia": inertia}
        ids.append(run.id)
    with tracking.tracked(ctx, "satisfaction", {}) as run:
        pass
    listed = tracking.runs_report(ctx, ReportParams())
    assert [r[0] for r in listed.rows] == [run.id, ids[1], ids[0]]
    only = tracking.runs_report(ctx, ReportParams(extra={"model": "engagement-kmeans"}))
    assert [r[0] for r in only.rows] == [ids[1], ids[0]] and only.rows[0][8] == "inertia=7.5"

    cmp = tracking.compare_report(ctx, ReportParams(extra={"run_a": ids[0], "run_b": str(ids[1])}))
    rows = {r[0]: r for r in cmp.rows}
    assert rows["params.k"][1:4] == ["3", "4", "differs"] and rows["params.k"][4] == 1.0
    assert rows["params.seed"][3] == "same"
    assert rows["metrics.inertia"][4] == pytest.approx(-2.5)
    assert rows["model"][3] == "same" and not cmp.notes
    mixed = tracking.compare_report(ctx, ReportParams(extra={"run_a": ids[0], "run_b": run.id}))
    assert "different models" in mixed.notes[0]


def test_compare_needs_two_existing_runs(ctx):
    with pytest.raises(ValidationError, match="--run-a N --run-b M"):
        tracking.compare_report(ctx, ReportParams(extra={"run_a": 1}))
    with pytest.raises(ValidationError, match="not 'x'"):
        tracking.compare_report(ctx, ReportParams(extra={"run_a": "x", "run_b": 1}))
    with pytest.raises(NotFoundError, match="no model run 99"):
        tracking.compare_report(ctx, ReportParams(extra={"run_a": 99, "run_b": 98}))
