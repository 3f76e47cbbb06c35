"""The Report: what every service returns for display. Plain data, no SQL, no printing."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Column:
    """A column: its heading (with the unit, e.g. 'Data (MB)'), and how to show values."""

    name: str
    kind: str = "text"          # text | int | decimal | money | float | percent | duration | date | datetime
    places: int | None = None   # decimals shown for decimal/float/percent

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "decimal", "money", "float", "percent", "duration")

    @property
    def export_name(self) -> str:
        """The heading in CSV and JSON, where a duration is a number of seconds."""
        return f"{self.name} (s)" if self.kind == "duration" and not self.name.endswith("(s)") else self.name


class Seconds(float):
    """A duration in seconds in a cell of any column (a table of mixed measures): shown as hours and
    minutes or minutes and seconds, exported as the number of seconds."""


@dataclass
class Chart:
    """A text chart drawn beside/below a table: label -> value bars."""

    title: str
    labels: list[str]
    values: list[float]
    unit: str = ""


@dataclass
class Bars:
    """A bar chart panel: one bar per x label and series (side by side, or stacked)."""

    title: str
    x: list
    series: dict[str, list]
    horizontal: bool = False
    stacked: bool = False
    xlabel: str = ""
    ylabel: str = ""


@dataclass
class Lines:
    """A line chart panel: one line per series over the x labels."""

    title: str
    x: list
    series: dict[str, list]
    xlabel: str = ""
    ylabel: str = ""


@dataclass
class Heatmap:
    """A matrix panel: rows x cols of values, coloured from vmin to vmax."""

    title: str
    rows: list[str]
    cols: list[str]
    matrix: list[list[float]]
    vmin: float | None = None
    vmax: float | None = None


Panel = Bars | Lines | Heatmap


@dataclass
class Plot:
    """A report's figure for `--plot FILE.png` (reporting.plot draws it): panels one above another."""

    panels: list[Panel]


@dataclass
class Report:
    """A titled table: columns, rows (lists or tuples in column order, not changed once made),
    filters used, an optional totals row, notes, charts, and further sections (sub-reports) for
    multi-part analyses."""

    title: str
    columns: list[Column]
    rows: list[Sequence[Any]] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    totals: list[Any] | None = None
    notes: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sections: list[Report] = field(default_factory=list)
    empty_message: str = "no data for these filters"
    plot: Plot | None = None     # optional figure for a PNG (reporting.plot)

    @classmethod
    def simple(cls, title: str, headers: list[str], rows: list[list[Any]], **kw) -> Report:
        """Columns whose kinds are guessed from the first row's values."""
        from datetime import date, datetime
        from decimal import Decimal

        kinds = []
        sample = rows[0] if rows else [None] * len(headers)
        for v in sample:
            if isinstance(v, bool) or v is None:
                kinds.append("text")
            elif isinstance(v, int):
                kinds.append("int")
            elif isinstance(v, Decimal):
                kinds.append("decimal")
            elif isinstance(v, float):
                kinds.append("float")
            elif isinstance(v, datetime):
                kinds.append("datetime")
            elif isinstance(v, date):
                kinds.append("date")
            else:
                kinds.append("text")
        return cls(title, [Column(h, k) for h, k in zip(headers, kinds)], [list(r) for r in rows], **kw)

    @property
    def headers(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def export_headers(self) -> list[str]:
        return [c.export_name for c in self.columns]

    def is_empty(self) -> bool:
        return not self.rows and not any(not s.is_empty() for s in self.sections)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.headers, r)) for r in self.rows]

    def all_reports(self) -> list[Report]:
        """This report and its sections, depth first."""
        out = [self]
        for s in self.sections:
            out.extend(s.all_reports())
        return out
