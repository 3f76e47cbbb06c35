"""The audit log as a report (admins)."""
from __future__ import annotations

from telco_console.context import AppContext
from telco_console.reporting.report import Column, Report
from telco_console.repositories import audit as audit_repo


def recent_report(ctx: AppContext, limit: int = 50, username: str | None = None,
                  action: str | None = None) -> Report:
    ctx.check("audit.read")
    rows = ctx.db.run(audit_repo.recent, limit, username, action)
    return Report("Audit log (newest first)",
                  [Column("When", "datetime"), Column("User"), Column("Action"), Column("Target"),
                   Column("Detail")],
                  [[r["at"], r["username"], r["action"], r["target"], r["detail"] or ""] for r in rows],
                  filters={"user": username, "action": action, "limit": limit})
