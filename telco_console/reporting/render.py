"""Rendering a Report: PrettyTable for the terminal, CSV, JSON and HTML for export."""
from __future__ import annotations

import csv
import html
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from prettytable import PrettyTable

from telco_console.reporting.charts import render_chart
from telco_console.reporting.report import Column, Report, Seconds

FORMATS = ("table", "csv", "json", "html")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def format_value(value: Any, column: Column) -> str:
    """A cell as shown in a table: thousands separators, fixed places, blanks for None."""
    if value is None:
        return ""
    kind = column.kind
    try:
        if kind == "duration" or isinstance(value, Seconds):
            return human_duration(float(value))
        if kind == "int":
            return f"{int(value):,}"
        if kind == "money":
            return f"{Decimal(value):,.2f}"
        if kind == "decimal":
            places = 2 if column.places is None else column.places
            return f"{Decimal(value):,.{places}f}"
        if kind == "float":
            places = 2 if column.places is None else column.places
            return f"{float(value):,.{places}f}"
        if kind == "percent":
            places = 1 if column.places is None else column.places
            return f"{float(value):,.{places}f}%"
        if kind == "datetime" and isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if kind == "date" and isinstance(value, (date, datetime)):
            return value.strftime("%Y-%m-%d")
    except (ValueError, TypeError, ArithmeticError):
        pass
    return str(value)


def human_duration(seconds: float) -> str:
    """507330.7 -> '140 h 55 min'; 507.3 -> '8 min 27 s'; 42 -> '42 s'; 2.5 -> '2.5 s'."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 10:
        return f"{sign}{s:.1f} s" if s != int(s) else f"{sign}{int(s)} s"
    total = round(s)
    if total < 60:
        return f"{sign}{total} s"
    if total < 3600:
        return f"{sign}{total // 60} min {total % 60} s"
    minutes = round(s / 60)
    return f"{sign}{minutes // 60:,} h {minutes % 60:02d} min"


def _title_block(report: Report) -> list[str]:
    lines = [report.title]
    if report.filters:
        shown = ", ".join(f"{k}: {v}" for k, v in report.filters.items() if v not in (None, ""))
        if shown:
            lines.append(f"Filters: {shown}")
    return lines


def to_table(report: Report, width: int = 40) -> str:
    """The report as text: title, filters, a PrettyTable, totals, charts, notes, then sections."""
    parts: list[str] = []
    if report.columns:
        parts.extend(_title_block(report))
        if not report.rows:
            parts.append(report.empty_message)
        else:
            t = PrettyTable()
            t.field_names = _unique(report.headers)
            for name, col in zip(t.field_names, report.columns):
                t.align[name] = "r" if col.numeric else "l"
            for row in report.rows:
                t.add_row([format_value(v, c) for v, c in zip(row, report.columns)])
            if report.totals is not None:
                t.add_divider() if hasattr(t, "add_divider") else None
                t.add_row([format_value(v, c) for v, c in zip(report.totals, report.columns)])
            parts.append(t.get_string())
    elif report.title:
        parts.extend(_title_block(report))
    for chart in report.charts:
        parts.append(render_chart(chart, width))
    for note in report.notes:
        parts.append(note)
    text = "\n".join(parts)
    for section in report.sections:
        text += "\n\n" + to_table(section, width)
    return text


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        if h in seen:
            seen[h] += 1
            out.append(f"{h} ({seen[h]})")
        else:
            seen[h] = 0
            out.append(h)
    return out


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (=, +, -, @ at the start)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(report: Report) -> str:
    """CSV of the main table (and of each section after a blank line and its title)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    first = True
    for r in report.all_reports():
        if not r.columns:
            continue
        if not first:
            buf.write("\n")
            w.writerow([safe_cell(f"# {r.title}")])
        first = False
        w.writerow([safe_cell(h) for h in r.export_headers])
        for row in r.rows:
            w.writerow([safe_cell(_plain(v)) for v in row])
        if r.totals is not None:
            w.writerow([safe_cell(_plain(v)) for v in r.totals])
    return buf.getvalue()


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return _plain(value)
    if isinstance(value, float) and value != value:   # NaN
        return None
    if hasattr(value, "item"):   # numpy scalars
        return value.item()
    return value


def to_dict(report: Report) -> dict:
    out: dict[str, Any] = {
        "title": report.title,
        "columns": report.export_headers,
        "rows": [{h: _json_value(v) for h, v in zip(report.export_headers, row)} for row in report.rows],
    }
    shown = {k: _json_value(v) for k, v in report.filters.items() if v not in (None, "")}
    if shown:
        out["filters"] = shown
    if report.totals is not None:
        out["totals"] = {h: _json_value(v) for h, v in zip(report.export_headers, report.totals)}
    if report.notes:
        out["notes"] = report.notes
    if report.sections:
        out["sections"] = [to_dict(s) for s in report.sections]
    return out


def to_json(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False)


def to_html(report: Report) -> str:
    body = []
    for r in report.all_reports():
        body.append(f"<h2>{html.escape(r.title)}</h2>")
        if r.filters:
            body.append("<p>" + html.escape(", ".join(f"{k}: {v}" for k, v in r.filters.items())) + "</p>")
        if r.columns:
            if not r.rows:
                body.append(f"<p>{html.escape(r.empty_message)}</p>")
            else:
                body.append("<table>")
                body.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in r.headers)
                            + "</tr></thead><tbody>")
                rows = list(r.rows) + ([r.totals] if r.totals is not None else [])
                for i, row in enumerate(rows):
                    cls = ' class="totals"' if r.totals is not None and i == len(rows) - 1 else ""
                    cells = "".join(
                        f'<td{" class=num" if c.numeric else ""}>{html.escape(format_value(v, c))}</td>'
                        for v, c in zip(row, r.columns))
                    body.append(f"<tr{cls}>{cells}</tr>")
                body.append("</tbody></table>")
        for note in r.notes:
            body.append(f"<p>{html.escape(note)}</p>")
        for chart in r.charts:
            body.append(f"<pre>{html.escape(render_chart(chart))}</pre>")
    style = ("body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;"
             "padding:2px 6px}td.num{text-align:right}tr.totals{font-weight:bold}")
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(report.title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def render(report: Report, fmt: str = "table") -> str:
    if fmt == "table":
        return to_table(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "html":
        return to_html(report)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
