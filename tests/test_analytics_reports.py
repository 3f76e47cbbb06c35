"""The analytics reports in the catalogue, run as `report NAME` runs them (spec.run), including the
TellCo xDR sample imported end to end."""
from __future__ import annotations

import pytest

from analytics_data import TELLCO_SAMPLE
from helpers import make_customer, make_plan
from telco_console.errors import PermissionDenied
from telco_console.repositories.base import fetch_all
from telco_console.services import report_registry
from telco_console.services.report_registry import ReportParams

NAMES = ["engagement", "experience", "satisfaction", "satisfaction-scores", "model-runs", "model-compare"]
TELLCO = ["+33665940740", "+33659718881", "+33750270965", "+33761955729", "+33662570587"]


def test_the_reports_are_in_the_catalogue_with_help():
    specs = {s.name: s for s in report_registry.all_reports()}
    for name in NAMES:
        assert name in specs and specs[name].description and specs[name].group == "Customer analytics"
    assert [o.name for o in specs["model-compare"].options] == ["run-a", "run-b"]
    assert specs["satisfaction-scores"].options[0].parse("12") == 12


def test_from_the_command_line(ctx, run_cli, tmp_path):
    from analytics_data import insert, planted_groups
    from helpers import make_user

    make_user(ctx, "ana", "analyst")
    insert(ctx, planted_groups(varied=True)[0])
    code, out, err = run_cli("report", "engagement", "--top", "3", user="ana", password="correct-horse-9")
    assert code == 0, err
    assert "Top 3 customers by number of sessions" in out and "Elbow method" in out and "chosen" in out
    code, out, err = run_cli("report", "experience", "--plot", str(tmp_path / "exp.png"), user="ana",
                             password="correct-horse-9")
    assert code == 0, err
    assert (tmp_path / "exp.png").stat().st_size > 1000
    code, out, err = run_cli("report", "satisfaction", "--format", "json", user="ana", password="correct-horse-9")
    assert code == 0, err
    assert '"customers scored"' in out
    # the first two runs by id (ids step by more than one on a Galera cluster)
    first, second = (r["id"] for r in ctx.db.run(fetch_all, "SELECT id FROM model_runs ORDER BY id LIMIT 2"))
    code, out, err = run_cli("report", "model-compare", "--run-a", str(first), "--run-b", str(second), user="ana",
                             password="correct-horse-9")
    assert code == 0, err
    assert f"Model runs {first} and {second} compared" in out and "different models" in out
    code, out, err = run_cli("report", "model-runs", "--model", "satisfaction", user="ana",
                             password="correct-horse-9")
    assert code == 0 and "satisfaction" in out and "engagement-kmeans" not in out
    code, out, err = run_cli("report", "model-compare", "--run-a", "x", "--run-b", "2", user="ana",
                             password="correct-horse-9")
    assert code == 1 and "not 'x'" in err


def test_tellco_sample_end_to_end(ctx):
    from telco_console.services.collection import importer

    make_plan(ctx)
    for i, msisdn in enumerate(TELLCO):
        make_customer(ctx, msisdn, name=f"Client {i}", region="Paris", since="2019-01-01")
    result = importer.import_file(ctx, "tellco", str(TELLCO_SAMPLE))
    assert result.inserted == 5

    find = report_registry.find
    eng = find("engagement").run(ctx, ReportParams())
    assert sum(r[1] for r in eng.rows) == 5
    by_traffic = next(s for s in eng.sections if s.title == "Top 10 customers by total traffic (DL+UL)")
    assert by_traffic.rows[0][1] == "+33750270965"       # 887 MB DL, the most traffic
    exp = find("experience").run(ctx, ReportParams(region="Paris"))
    replaced = exp.sections[0].rows[-1]
    assert replaced[:2] == ["Handset type", 2] and replaced[3] == "Huawei B528S-23A"   # two 'undefined'
    sat = find("satisfaction").run(ctx, ReportParams())
    assert sat.rows[0] == ["customers scored", 5] and sat.rows[3][1] == 5
    scores = find("satisfaction-scores").run(ctx, ReportParams())
    assert sorted(r[0] for r in scores.rows) == sorted(TELLCO)
    runs = find("model-runs").run(ctx, ReportParams())
    assert [r[1] for r in runs.rows] == ["satisfaction", "experience-kmeans", "engagement-kmeans"]
    assert all(r[2] == "done" and r[5] == 5 for r in runs.rows)


def test_staff_cannot_run_analytics(as_role):
    with pytest.raises(PermissionDenied):
        report_registry.find("model-runs").run(as_role("staff"), ReportParams())


def test_the_reports_are_items_of_the_analytics_menu():
    from telco_console.ui.menus import analytics as menu

    labels = [item.label for item in menu.section().items]
    for title in ("User engagement", "User experience", "Satisfaction scores", "Model runs", "Compare two model runs"):
        assert any(label.startswith(f"Customer analytics: {title}") for label in labels)
