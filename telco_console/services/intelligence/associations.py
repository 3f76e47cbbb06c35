"""Association rules between applications used together, from per-user xDR baskets.

A customer's basket holds each application (social, google, email, youtube, netflix, gaming, other)
that the customer uses, by one of two stated rules: 'above-median' (the default): the customer's
total bytes (DL + UL over the data sessions) on it exceed the median customer's, i.e. a heavy user;
or 'any': its bytes exceed --min-mb (default 0, i.e. used at all). With xDR data where nearly every
subscriber touches every application, 'any' gives lift 1 everywhere; 'above-median' finds which
applications are used heavily together. For every pair A -> B: support = share of baskets holding both,
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
USED = ("above-median", "any")


def baskets(ctx: AppContext, min_mb: float = 0.0, used: str = "above-median", date_from=None) -> list[frozenset[str]]:
    """One basket per customer. used='any': the applications above min_mb MB; used='above-median': the
    applications on which the customer spent more bytes than the median customer did."""
    if used not in USED:
        raise ValidationError(f"'used' is one of {', '.join(USED)}")
    rows = ctx.db.run(repo.app_bytes, date_from)
    if used == "any":
        limits = {a: min_mb * 1_000_000 for a in repo.APPS}
    else:
        limits = {}
        for a in repo.APPS:
            values = sorted(float(r[a] or 0) for r in rows)
            n = len(values)
            limits[a] = (values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2) if n else 0.0
    return [frozenset(a for a in repo.APPS if float(r[a] or 0) > limits[a]) for r in rows]


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
                        min_mb: float = 0.0, top: int | None = None, used: str = "above-median") -> Report:
    ctx.check("intelligence.run")
    for value, what in ((min_support, "minimum support"), (min_confidence, "minimum confidence")):
        if not 0 <= value <= 1:
            raise ValidationError(f"the {what} is a share from 0 to 1")
    if min_mb < 0:
        raise ValidationError("the usage threshold in MB cannot be negative")
    params = {"min_support": min_support, "min_confidence": min_confidence, "used": used}
    if used == "any":
        params["min_mb"] = min_mb
    with tracking.tracked(ctx, "app-associations", params) as run:
        bs = baskets(ctx, min_mb, used)
        found = rules(bs, min_support, min_confidence)
        run.rows = len(bs)
        run.metrics = {"rules": len(found), "baskets": len(bs)}
    shown = found[:top] if top else found
    report = Report("Applications used together (association rules)", [
        Column("If the customer uses"), Column("they also use"), Column("Customers", "int"),
        Column("Support", "percent", 1), Column("Confidence", "percent", 1), Column("Lift", "float", 2)],
        filters=params, empty_message="no pair of applications reaches the minimum support and confidence")
    report.rows = [[r["antecedent"], r["consequent"], r["count"], 100.0 * r["support"], 100.0 * r["confidence"],
                    r["lift"]]
                   for r in shown]
    rule = (f"its bytes (DL+UL) exceed {min_mb:g} MB" if used == "any" else
            "the customer's bytes on it exceed the median customer's")
    report.notes.append(f"{len(bs)} customer baskets from data sessions; an application is used when {rule}; "
                        f"lift > 1: used together more than by chance; model run #{run.id}")
    return report
