"""ui/menus/maintenance.py: the Database maintenance menu drives the same services."""
import io
from datetime import datetime

from helpers import make_customer, make_plan
from telco_console.reporting.output import Output
from telco_console.repositories import usage
from telco_console.repositories.base import execute
from telco_console.ui.app import Console
from telco_console.ui.menus import maintenance as menu
from telco_console.ui.menus import sections_for
from typed_input import typing


def _console(ctx):
    out, err = io.StringIO(), io.StringIO()
    return Console(ctx, Output(out, err, colour=False)), out, err


def test_section_roles():
    assert "Database maintenance" in [s.title for s in sections_for("admin")]
    analyst = next(s for s in sections_for("analyst") if s.title == "Database maintenance")
    assert [i.label for i in analyst.visible_items("analyst")] == ["Check the rollups"]
    assert "Database maintenance" not in [s.title for s in sections_for("staff")]


def test_archive_restore_check_and_rebuild_from_the_menu(ctx, tmp_path):
    make_plan(ctx)
    cid = make_customer(ctx)["id"]
    calls = [(cid, datetime(2026, 2, 3, 10), "out", "+447700900001", 60, 50, 1, "ANSWERED", 0, "t", "m1")]
    ctx.db.run(lambda conn: usage.write_batch(conn, "t", None, calls=calls))
    console, out, err = _console(ctx)
    menu.partitions(console)
    assert console.last_report.title == "Usage partitions"
    with typing("2026-03", str(tmp_path), True):
        menu.archive(console)
    assert "archived 2026-02: 1 records" in out.getvalue()
    with typing(str(tmp_path / "usage-2026-02.zip")):
        menu.restore(console)
    assert "restored 2026-02: 1 of 1 records added" in out.getvalue()
    ctx.db.run(execute, "UPDATE usage_daily SET calls_out = 7")
    with typing(""):
        menu.check(console)
    assert "differ" in err.getvalue() + out.getvalue()
    with typing("2026-02"):
        menu.rebuild(console)
    with typing(""):
        menu.check(console)
    assert "equal a full recount" in out.getvalue()
