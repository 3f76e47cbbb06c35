"""Exports: every report written to a file is recorded in the audit log."""
from __future__ import annotations

from telco_console.context import AppContext


def record_export(ctx: AppContext, title: str, fmt: str, path: str) -> None:
    ctx.db.run(lambda conn: ctx.audit(conn, "export", str(path)[:200], f"{title} as {fmt}"))
