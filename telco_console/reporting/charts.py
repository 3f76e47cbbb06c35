"""Text charts for the terminal: horizontal bars scaled to a width."""
from __future__ import annotations

from telco_console.reporting.report import Chart

FULL = "█"
PARTIALS = " ▏▎▍▌▋▊▉"


def bar(value: float, maximum: float, width: int = 40) -> str:
    if maximum <= 0 or value <= 0:
        return ""
    cells = value / maximum * width
    whole = int(cells)
    frac = int((cells - whole) * 8)
    return FULL * whole + (PARTIALS[frac] if frac and whole < width else "")


def render_chart(chart: Chart, width: int = 40) -> str:
    if not chart.values:
        return f"{chart.title}: no data"
    label_w = max(len(str(lb)) for lb in chart.labels)
    top = max(chart.values)
    lines = [chart.title]
    for label, value in zip(chart.labels, chart.values):
        shown = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"
        lines.append(f"{str(label).rjust(label_w)} │{bar(value, top, width).ljust(width)} {shown}{chart.unit}")
    return "\n".join(lines)
