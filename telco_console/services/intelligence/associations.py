"""Association rules between applications used together, from per-user xDR baskets.

A customer's basket holds each application (social, google, email, youtube, netflix, gaming, other)
whose total bytes (DL + UL over the data sessions) exceed a threshold (default 0 bytes, i.e. used
at all; --min-mb raises it). For every pair A -> B: support = share of baskets holding both,
confidence = support(A and B) / support(A), lift = confidence / support(B). Rules below the minimum
support or confidence are left out."""
from __future__ import annotations

from itertools import permutations

from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import intelligence as repo
from telco_console.services.analytics import tracking

ROLES = ("analyst", "admin")


def baskets(ctx: AppContext, min_mb: float = 0.0, date_from=None) -> list[frozenset[str]]:
    rows = ctx.db.run(repo.app_bytes, date_from)
    limit = min_mb * 1_000_000
    return [frozenset(a for a in repo.APPS if float(r[a] or 0) > limit) for r in rows]


def rules(baskets_: list[frozenset[str]], min_support: float = 0.05, min_confidence: float = 0.3) -> list[dict]:
    n = len(baskets_)
    if not n:
        return []
    single: dict[str, int] = {}
    pair: dict[frozenset[str], int] = {}
    for b in baskets_:
        for a in b:
            single[a] = single.get(a, 0) + 1
        items = sorted(b)
        for i, a in enumerate(items):
            for c in items[i + 1:]:
                key = frozenset((a, c))
                pair[key] = pair.get(key, 0) + 1
    out = []
    for key, both in pair.items():
        support = both / n
        if support < min_support:
            continue
        for a, c in permutations(sorted(key), 2):
            confidence = both / single[a]
            if confidence < min_confidence:
                continue
            out.append({"antecedent": a, "consequent": c, "support": support, "confidence": confidence,
                        "lift": confidence / (single[c] / n), "count": both})
    out.sort(key=lambda r: (-r["lift"], -r["confidence"], -r["support"], r["antecedent"], r["consequent"]))
    return out


def associations_report(ctx: AppContext, min_support: float = 0.05, min_confidence: float = 0.3,
                        min_mb: float = 0.0, top: int | None = None) -> Report:
    ctx.require(*ROLES, action="see application associations")
    for value, what in ((min_support, "minimum support"), (min_confidence, "minimum confidence")):
        if not 0 <= value <= 1:
            raise ValidationError(f"the {what} is a share from 0 to 1")
    if min_mb < 0:
        raise ValidationError("the usage threshold in MB cannot be negative")
    params = {"min_support": min_support, "min_confidence": min_confidence, "min_mb": min_mb}
    with tracking.tracked(ctx, "app-associations", params) as run:
        bs = baskets(ctx, min_mb)
        found = rules(bs, min_support, min_confidence)
        run.rows = len(bs)
        run.metrics = {"rules": len(found), "baskets": len(bs)}
    shown = found[:top] if top else found
    report = Report("Applications used together (association rules)", [
        Column("If the customer uses"), Column("they also use"), Column("Customers", "int"),
        Column("Support", "percent", 1), Column("Confidence", "percent", 1), Column("Lift", "float", 2)],
        filters=params, empty_message="no pair of applications reaches the minimum support and confidence")
    report.rows = [[r["antecedent"], r["consequent"], r["count"], r["support"], r["confidence"], r["lift"]]
                   for r in shown]
    report.notes.append(f"{len(bs)} customer baskets from data sessions; an application is used when its bytes "
                        f"(DL+UL) exceed {min_mb:g} MB; lift > 1: used together more than by chance; "
                        f"model run #{run.id}")
    return report
