"""`report list` and `report NAME` (cli/report.py): every export format read back and compared with
the table, PNG charts, presets, roles, and one line for no data."""
from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest

from helpers import make_user
from reports_data import A, B, basic
from telco_console.reporting.render import format_value, safe_cell
from telco_console.services.report_registry import ReportParams, all_reports
from telco_console.services.reports import run_report

PW = "correct-horse-9"


@pytest.fixture
def analyst(ctx):
    make_user(ctx, "boss", "admin")
    make_user(ctx, "ana", "analyst")
    return dict(user="ana", password=PW)


class Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self._row, self._in = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._in = True
            self._row.append("")

    def handle_endtag(self, tag):
        if tag == "tr":
            self.rows.append(self._row)
        elif tag in ("td", "th"):
            self._in = False

    def handle_data(self, data):
        if self._in:
            self._row[-1] += data


def _plain(v):
    """A cell as CSV writes it (formula-like text such as +44... gets a leading quote)."""
    return "" if v is None else str(safe_cell(v))


def test_every_export_format_reads_back(ctx, analyst, run_cli, tmp_path):
    basic(ctx)
    report = run_report(ctx, "usage-summary", ReportParams())
    expected_rows = report.rows + [report.totals]
    # CSV
    code, out, err = run_cli("report", "usage-summary", "--format", "csv", **analyst)
    assert code == 0, err
    got = list(csv.reader(io.StringIO(out)))
    assert got[0] == report.headers
    assert got[1:] == [[_plain(v) for v in row] for row in expected_rows]
    # JSON
    code, out, err = run_cli("report", "usage-summary", "--format", "json", **analyst)
    doc = json.loads(out)
    assert doc["title"] == report.title and doc["columns"] == report.headers
    assert [[str(r[h]) for h in report.headers] for r in doc["rows"]] == [[str(v) for v in row]
                                                                         for row in report.rows]
    assert doc["totals"]["Calls out"] == 4
    # HTML, to a file
    path = tmp_path / "u.html"
    code, out, err = run_cli("report", "usage-summary", "--format", "html", "--output", str(path), **analyst)
    assert code == 0 and "wrote" in out
    p = Cells()
    p.feed(path.read_text())
    assert p.rows[0] == report.headers
    assert p.rows[1:] == [[format_value(v, c) for v, c in zip(row, report.columns)] for row in expected_rows]
    # table
    code, out, err = run_cli("report", "usage-summary", **analyst)
    assert "Customer usage summary" in out and A in out and "Minutes out (min)" in out and "Total" in out


def test_sections_export_and_plot(ctx, analyst, run_cli, tmp_path):
    basic(ctx)
    png = tmp_path / "peak.png"
    code, out, err = run_cli("report", "peak-hours", "--format", "csv", "--plot", str(png), **analyst)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "# Weekday by hour (all records)" in out
    code, out, err = run_cli("report", "peak-hours", **analyst)
    assert "Peak hour for all records: 18:00-18:59" in out and "█" in out


def test_list_presets_errors_and_empty(ctx, analyst, run_cli):
    code, out, err = run_cli("report", "list", **analyst)
    assert code == 0
    for name in ("usage-summary", "peak-hours", "handsets", "xdr-stats", "plan-trends"):
        assert name in out
    assert "my-usage" not in out
    code, out, err = run_cli("report", "usage-summary", "--period", "yesterday", **analyst)
    assert code == 0 and out.strip() == "Customer usage summary: no usage for these filters"
    code, out, err = run_cli("report", "usage-summary", "--period", "last-7-days", "--from", "2026-10-01",
                             **analyst)
    assert code == 1 and "either --period or --from/--to" in err
    code, out, err = run_cli("report", "usage-summary", "--period", "fortnight", **analyst)
    assert code == 1 and "unknown period preset" in err
    code, out, err = run_cli("report", "activity", **analyst)
    assert code == 1 and "--customer" in err
    code, out, err = run_cli("report", "usage-summary", "--sort", "bogus", **analyst)
    assert code == 2
    code, out, err = run_cli("report", "usage-summary", "--plot", "x.jpg", **analyst)
    assert code == 1 and ".png" in err


def test_roles_on_the_command_line(ctx, run_cli):
    d = basic(ctx)
    make_user(ctx, "boss", "admin")
    make_user(ctx, "south", "regional", region="South")
    make_user(ctx, "ann", "customer", msisdn=A)
    code, out, err = run_cli("report", "usage-summary", "--format", "csv", user="south", password=PW)
    assert code == 0 and B in out and A not in out
    code, out, err = run_cli("report", "usage-summary", "--region", "North", user="south", password=PW)
    assert code == 4
    code, out, err = run_cli("report", "list", user="ann", password=PW)
    assert "my-usage" in out and "usage-summary" not in out
    code, out, err = run_cli("report", "my-calls", "--format", "json", user="ann", password=PW)
    assert code == 0 and len(json.loads(out)["rows"]) == 4
    code, out, err = run_cli("report", "peak-hours", user="ann", password=PW)
    assert code == 4
    assert d


def test_every_report_has_help(run_cli):
    from telco_console.cli import build_parser

    parser = build_parser()
    for spec in all_reports():
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(["report", spec.name, "--help"])
        assert exc.value.code == 0
        assert spec.description or spec.title
