"""The analytics menu (ui/menus/analytics.py): items from the catalogue by role, prompts only for
what each report declares, the report shown and kept for saving, an optional PNG."""
from __future__ import annotations

import io

from reports_data import A, basic
from telco_console.reporting.output import Output
from telco_console.ui.app import Console
from telco_console.ui.menus import analytics
from typed_input import typing


def console_for(c):
    buf = io.StringIO()
    return Console(c, Output(buf, io.StringIO(), colour=False)), buf


def item(section, role, label_end):
    return next(i for i in section.visible_items(role) if i.label.endswith(label_end))


def test_analyst_runs_peak_hours_and_saves_a_chart(ctx, tmp_path):
    basic(ctx)
    con, buf = console_for(ctx.with_user(ctx.user.__class__(None, "ana", "analyst")))
    png = tmp_path / "p.png"
    with typing("3", "", "") as keys:      # dates 3) yesterday, region, customer; no data, so no chart question
        item(analytics.section(), "analyst", "Peak hours").handler(con)
    asked = keys.asked
    assert con.last_report.title == "Peak hours"
    assert "Peak hours: no usage for these filters" in buf.getvalue()
    with typing("dates", "2026-10-01", "2026-10-31", "", A, str(png)):
        item(analytics.section(), "analyst", "Peak hours").handler(con)
    assert con.last_report.title == f"Peak hours for {A}"
    assert "Peak hour for all records: 18:00-18:59" in buf.getvalue()
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert asked[0].startswith("Dates [1) all time, 2) today, 3) yesterday")
    assert asked[1:3] == ["Region (optional, Enter for all):", "Customer MSISDN (optional):"]


def test_options_and_regional_is_not_asked_for_a_region(ctx):
    basic(ctx)
    con, buf = console_for(ctx.with_user(ctx.user.__class__(None, "south", "regional", "South")))
    with typing("", "", "", "data", "") as keys:    # dates (Enter: all time), customer, top, sort, chart file
        item(analytics.section(), "regional", "Customer usage summary").handler(con)
    assert not any(q.startswith("Region") for q in keys.asked)
    assert [r[0] for r in con.last_report.rows] == ["+447911000002"]
    assert con.last_report.filters["sorted by"] == "data"


def test_items_by_role(ctx):
    s = analytics.section()
    assert s.title == "Analytics and reports"
    mine = [i.label for i in s.visible_items("customer")]
    assert mine and all(label.startswith("My account") for label in mine)
    analyst = [i.label for i in s.visible_items("analyst")]
    assert "Usage and network: Customer usage summary" in analyst and "My account: My usage" not in analyst
    assert s.visible_items("staff") == [] or all("My account" not in i.label for i in s.visible_items("staff"))


def test_customer_menu_shows_own_usage(ctx):
    d = basic(ctx)
    con, buf = console_for(ctx.with_user(ctx.user.__class__(None, "ann", "customer", None, d["a"]["id"])))
    with typing("all time", ""):
        item(analytics.section(), "customer", "My usage").handler(con)
    assert con.last_report.title == f"My usage: {A}"
    assert "Data per day (MB)" in buf.getvalue()
