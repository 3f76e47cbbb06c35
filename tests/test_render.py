import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from telco_console.reporting.render import render, safe_cell, to_dict
from telco_console.reporting.report import Chart, Column, Report


def sample() -> Report:
    r = Report("Bills", [Column("Customer"), Column("Calls", "int"), Column("Total (GBP)", "money"),
                         Column("Share", "percent"), Column("Issued", "date"), Column("At", "datetime")],
               filters={"region": "North", "plan": None})
    r.rows = [["Ann", 1234, Decimal("10.50"), 12.345, date(2026, 10, 1), datetime(2026, 10, 1, 9, 5, 7)],
              ["=HYPERLINK(\"x\")", 2, Decimal("0.10"), 1.0, None, None]]
    r.totals = ["Total", 1236, Decimal("10.60"), None, None, None]
    r.notes.append("a note")
    r.charts.append(Chart("Calls", ["Ann", "Bob"], [1234, 2]))
    return r


def test_table_has_title_filters_aligned_numbers_and_totals():
    text = render(sample(), "table")
    lines = text.splitlines()
    assert lines[0] == "Bills"
    assert lines[1] == "Filters: region: North"
    assert "1,234" in text and "10.50" in text and "12.3%" in text and "2026-10-01 09:05:07" in text
    assert "1,236" in text and "a note" in text
    assert any(ln.startswith("+") for ln in lines)          # a PrettyTable border


def test_empty_report_says_so():
    r = Report("Nothing", [Column("A")], empty_message="no rows here")
    assert "no rows here" in render(r, "table")
    assert "no rows here" in render(r, "html")


def test_csv_neutralises_formulas_and_keeps_plain_values():
    rows = list(csv.reader(io.StringIO(render(sample(), "csv"))))
    assert rows[0] == ["Customer", "Calls", "Total (GBP)", "Share", "Issued", "At"]
    assert rows[1] == ["Ann", "1234", "10.50", "12.345", "2026-10-01", "2026-10-01 09:05:07"]
    assert rows[2][0] == "'=HYPERLINK(\"x\")"
    assert rows[3][0] == "Total"


@pytest.mark.parametrize("cell", ["=1+1", "+44", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_prefixes_every_formula_start(cell):
    assert safe_cell(cell) == "'" + cell


def test_safe_cell_leaves_other_values():
    assert safe_cell("Ann") == "Ann" and safe_cell(-2) == -2 and safe_cell(None) is None


def test_json_shape():
    data = json.loads(render(sample(), "json"))
    assert data["title"] == "Bills"
    assert data["columns"] == ["Customer", "Calls", "Total (GBP)", "Share", "Issued", "At"]
    assert data["rows"][0] == {"Customer": "Ann", "Calls": 1234, "Total (GBP)": "10.50", "Share": 12.345,
                               "Issued": "2026-10-01", "At": "2026-10-01 09:05:07"}
    assert data["filters"] == {"region": "North"}
    assert data["totals"]["Calls"] == 1236
    assert data["notes"] == ["a note"]


def test_json_sections_and_minimal_shape():
    r = Report("Only", [Column("A", "int")], [[1]])
    assert to_dict(r) == {"title": "Only", "columns": ["A"], "rows": [{"A": 1}]}
    r.sections.append(Report("Part", [Column("B")], [["x"]]))
    assert to_dict(r)["sections"] == [{"title": "Part", "columns": ["B"], "rows": [{"B": "x"}]}]


def test_html_escapes_and_marks_numbers():
    text = render(sample(), "html")
    assert text.startswith("<!DOCTYPE html>")
    assert "&quot;x&quot;" in text and "=HYPERLINK(\"x\")" not in text
    assert "<td class=num>1,234</td>" in text
    assert '<tr class="totals">' in text


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown format"):
        render(sample(), "xml")


def test_durations_read_as_hours_minutes_or_seconds_and_export_as_seconds():
    import json

    from telco_console.reporting.render import human_duration, to_csv, to_json, to_table
    from telco_console.reporting.report import Column, Report, Seconds

    assert human_duration(507330.7) == "140 h 56 min"
    assert human_duration(507.3) == "8 min 27 s" and human_duration(42) == "42 s"
    assert human_duration(2.5) == "2.5 s" and human_duration(0) == "0 s" and human_duration(3600) == "1 h 00 min"
    r = Report("Sessions", [Column("Customer"), Column("Duration", "duration"), Column("Value", "float")],
               [["a", 507330.7, Seconds(90.0)], ["b", 12, 1.5]])
    table = to_table(r)
    assert "140 h 56 min" in table and "1 min 30 s" in table and "507,330" not in table
    assert to_csv(r).splitlines()[:2] == ["Customer,Duration (s),Value", "a,507330.7,90.0"]
    assert json.loads(to_json(r))["rows"][0] == {"Customer": "a", "Duration (s)": 507330.7, "Value": 90.0}
