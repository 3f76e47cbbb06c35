"""Model tracking: every analytics run is a row of model_runs (model, parameters, code version and git
commit, start and end, rows used, metrics, the artefact CSV), with reports that list and compare runs."""
from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telco_console.errors import NotFoundError, ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import analytics as repo

_COMMIT: list[str | None] = []


def git_commit() -> str | None:
    """The checkout's commit (`git rev-parse HEAD`), or None outside a git checkout / without git."""
    if not _COMMIT:
        try:
            out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                                 capture_output=True, text=True, timeout=5)
            value = out.stdout.strip() if out.returncode == 0 else ""
            _COMMIT.append(value if len(value) == 40 else None)
        except (OSError, subprocess.SubprocessError):
            _COMMIT.append(None)
    return _COMMIT[0]


def models_dir(ctx) -> Path:
    """Where artefacts go: [analytics] models_dir (models/ in the data folder unless set)."""
    from telco_console.services.analytics.features import setting

    configured = setting(ctx, "models_dir", None)
    if configured:
        return Path(configured)
    return ctx.config.data_dir / "models"


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, floats rounded for display stability."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return round(value, 6)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass
class Run:
    """A run in progress: set .rows, .metrics and write an artefact, then finish()."""

    ctx: Any
    id: int
    model: str
    params: dict
    rows: int = 0
    metrics: dict = field(default_factory=dict)
    artefact: str | None = None
    finished: bool = False

    def write_artefact(self, headers: Sequence[str], rows: Iterable[Sequence]) -> str:
        d = models_dir(self.ctx)
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"run-{self.id:06d}-{self.model}.csv"
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(headers)
            w.writerows(rows)
        self.artefact = str(path)
        return self.artefact

    def finish(self, conn=None, status: str = "done") -> None:
        metrics = json.dumps(_clean(self.metrics), sort_keys=True)
        args = (self.id, self.ctx.now(), int(self.rows), metrics, self.artefact, status)
        if conn is not None:
            repo.finish_run(conn, *args)
        else:
            self.ctx.db.run(repo.finish_run, *args)
        self.finished = True


def start(ctx, model: str, params: dict) -> Run:
    """Record the start of a run (committed at once, so a failed run is still visible)."""
    from telco_console import __version__

    run_id = ctx.db.run(repo.start_run, model, json.dumps(_clean(params), sort_keys=True), __version__,
                        git_commit(), ctx.now(), ctx.user.username)
    return Run(ctx, run_id, model, params)


class tracked:
    """with tracked(ctx, model, params) as run: ... -> finished as 'done', or 'failed' on an exception."""

    def __init__(self, ctx, model: str, params: dict):
        self.ctx, self.model, self.params = ctx, model, params

    def __enter__(self) -> Run:
        self.run = start(self.ctx, self.model, self.params)
        return self.run

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.run.metrics.setdefault("error", str(exc)[:200])
            try:
                self.run.finish(status="failed")
            except Exception:  # the original error matters more
                pass
        elif not self.run.finished:
            self.run.finish()
        return False


# --- reports -----------------------------------------------------------------------------------

def _metric_text(metrics: dict) -> str:
    parts = []
    for k in sorted(metrics):
        v = metrics[k]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parts.append(f"{k}={v:.4g}")
        elif isinstance(v, (str, bool)):
            parts.append(f"{k}={v}")
    return ", ".join(parts)


def _load_json(text: str | None) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def runs_report(ctx, params) -> Report:
    ctx.check("analytics.runs")
    model = params.extra.get("model")
    model = None if model in (None, "", "all") else model
    limit = params.top or 50
    runs = ctx.db.read(repo.list_runs, model, limit)
    rows = []
    for r in runs:
        rows.append([r["id"], r["model"], r["status"], r["started_at"], r["finished_at"], r["rows_used"],
                     r["code_version"], (r["git_commit"] or "")[:10], _metric_text(_load_json(r["metrics"])),
                     r["artefact_path"] or ""])
    cols = [Column("Run", "int"), Column("Model"), Column("Status"), Column("Started", "datetime"),
            Column("Finished", "datetime"), Column("Rows", "int"), Column("Version"), Column("Commit"),
            Column("Metrics"), Column("Artefact")]
    filters = {"model": model} if model else {}
    return Report("Model runs, newest first", cols, rows, filters=filters,
                  empty_message="no model runs recorded yet: run the engagement, experience or satisfaction report")


def parse_run_id(text: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ValidationError(f"a run is its number (see `report model-runs`), not '{text}'") from None
    if value <= 0:
        raise ValidationError(f"a run number is positive, not {value}")
    return value


def compare_report(ctx, params) -> Report:
    ctx.check("analytics.runs")
    extra = params.extra
    a_id = extra.get("run-a", extra.get("run_a"))
    b_id = extra.get("run-b", extra.get("run_b"))
    if a_id is None or b_id is None:
        raise ValidationError("give the two runs to compare: --run-a N --run-b M")
    a_id, b_id = parse_run_id(a_id), parse_run_id(b_id)

    def both(conn):
        return repo.get_run(conn, a_id), repo.get_run(conn, b_id)

    a, b = ctx.db.read(both)
    for rid, r in ((a_id, a), (b_id, b)):
        if r is None:
            raise NotFoundError(f"no model run {rid}: `report model-runs` lists them")
    rows: list[list] = []
    for key in ("model", "status", "code_version", "git_commit", "started_at", "finished_at", "rows_used",
                "username", "artefact_path"):
        va, vb = a[key], b[key]
        rows.append([key, "" if va is None else str(va), "" if vb is None else str(vb),
                     "same" if va == vb else "differs", None])
    for kind in ("params", "metrics"):
        ja, jb = _load_json(a[kind]), _load_json(b[kind])
        for key in sorted(set(ja) | set(jb)):
            va, vb = ja.get(key), jb.get(key)
            diff = None
            if isinstance(va, (int, float)) and isinstance(vb, (int, float)) and not isinstance(va, bool):
                diff = float(vb) - float(va)
            rows.append([f"{kind}.{key}", "" if va is None else json.dumps(va),
                         "" if vb is None else json.dumps(vb), "same" if va == vb else "differs", diff])
    cols = [Column("Field"), Column(f"Run {a_id}"), Column(f"Run {b_id}"), Column("Same?"),
            Column("B - A", "float", 4)]
    notes = []
    if a["model"] != b["model"]:
        notes.append(f"the runs are of different models ({a['model']} and {b['model']}): metrics may not compare")
    return Report(f"Model runs {a_id} and {b_id} compared", cols, rows, notes=notes)
