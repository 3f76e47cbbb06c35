"""The catalogue of reports. Each report module lists ReportSpecs in REPORTS; `report NAME` (cli),
the analysts' menu and `report list` are all built from this one catalogue.

A spec's run(ctx, params) returns a Report. `params` is ReportParams; `options` declares extra
flags/prompts a report needs beyond the common ones (ReportParams.extra holds their values)."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# modules that define REPORTS, in menu order
REPORT_MODULES: list[str] = [
    "telco_console.services.reports.usage",
    "telco_console.services.reports.xdr",
    "telco_console.services.reports.plans",
    "telco_console.services.analytics.reports",
    "telco_console.services.intelligence.reports",
    "telco_console.services.billing.rates",
]

COMMON_PARAMS = ("from", "to", "period", "region", "customer", "top")


@dataclass
class ReportOption:
    """An extra parameter: --name VALUE on the command line, a prompt in the menu."""

    name: str                    # e.g. "by" -> --by, params.extra["by"]
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None
    parse: Callable[[str], Any] | None = None   # raises ValidationError on bad input


@dataclass
class ReportParams:
    date_from: date | None = None
    date_to: date | None = None
    region: str | None = None
    customer: str | None = None      # MSISDN as typed; services normalise it
    top: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    plot: str | None = None          # --plot FILE.png


@dataclass
class ReportSpec:
    name: str                        # 'usage-summary'
    title: str
    group: str                       # menu grouping, e.g. 'Usage and network'
    run: Callable                    # run(ctx, params) -> Report
    roles: tuple[str, ...] = ("analyst", "admin", "regional")
    params: tuple[str, ...] = ()     # which of COMMON_PARAMS it uses
    options: tuple[ReportOption, ...] = ()
    description: str = ""


def all_reports() -> list[ReportSpec]:
    specs: list[ReportSpec] = []
    for module in REPORT_MODULES:
        specs.extend(importlib.import_module(module).REPORTS)
    names = [s.name for s in specs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise RuntimeError(f"two reports share a name: {', '.join(sorted(dupes))}")
    return specs


def find(name: str) -> ReportSpec:
    from telco_console.errors import NotFoundError

    for spec in all_reports():
        if spec.name == name:
            return spec
    raise NotFoundError(f"no report named '{name}': `telco-console report list` names them all")
