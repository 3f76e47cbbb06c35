"""Customers whose usage is anomalous, by a robust z-score per feature, with the reason.

Features per active customer over a date range (usage_daily): calls, minutes, international calls,
SMS, data MB, data sessions. For each feature z = (x - median) / (1.4826 * MAD) (the MAD scaled to a
normal deviation; when the MAD is 0, 1.2533 * the mean absolute deviation; a feature with no spread
is skipped). A customer is an outlier when |z| > threshold (default 3.5, Iglewicz and Hoaglin) for any
feature; the reason names each such feature with its value against the median."""
from __future__ import annotations

from datetime import date, timedelta

from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import intelligence as repo
from telco_console.services.analytics import tracking

ROLES = ("analyst", "admin")
FEATURES = {"calls": "calls", "minutes": "minutes", "intl_calls": "international calls", "sms": "SMS",
            "data_mb": "data MB", "sessions": "data sessions"}
THRESHOLD = 3.5
MIN_CUSTOMERS = 5


def robust_z(values: list[float]) -> tuple[list[float] | None, float]:
    """z per value and the median; None when the feature has no spread."""
    s = sorted(values)
    n = len(s)
    med = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    dev = sorted(abs(v - med) for v in values)
    mad = dev[n // 2] if n % 2 else (dev[n // 2 - 1] + dev[n // 2]) / 2
    scale = 1.4826 * mad
    if scale == 0:
        scale = 1.2533 * sum(dev) / n
    if scale == 0:
        return None, med
    return [(v - med) / scale for v in values], med


def find(ctx: AppContext, date_from: date | None = None, date_to: date | None = None,
         threshold: float = THRESHOLD) -> dict:
    ctx.check("intelligence.run")
    if threshold <= 0:
        raise ValidationError("the threshold must be above 0")
    date_to = date_to or ctx.now().date()
    date_from = date_from or date_to - timedelta(days=90)
    if date_from > date_to:
        raise ValidationError("the start date is after the end date")
    with tracking.tracked(ctx, "outliers-robust-z", {"from": date_from, "to": date_to,
                                                     "threshold": threshold, "features": list(FEATURES)}) as run:
        rows = ctx.db.run(repo.usage_features, date_from, date_to + timedelta(days=1))
        if len(rows) < MIN_CUSTOMERS:
            raise ValidationError(f"outliers need at least {MIN_CUSTOMERS} active customers (have {len(rows)})")
        zs, medians = {}, {}
        for f in FEATURES:
            z, med = robust_z([float(r[f] or 0) for r in rows])
            medians[f] = med
            if z is not None:
                zs[f] = z
        found = []
        for i, r in enumerate(rows):
            hits = [(f, zs[f][i]) for f in zs if abs(zs[f][i]) > threshold]
            if not hits:
                continue
            hits.sort(key=lambda t: -abs(t[1]))
            reason = "; ".join(f"{FEATURES[f]} {float(r[f] or 0):.1f} vs median {medians[f]:.1f} (z {z:+.1f})"
                               for f, z in hits)
            found.append({"msisdn": r["msisdn"], "name": r["name"], "score": max(abs(z) for _, z in hits),
                          "features": [f for f, _ in hits], "reason": reason})
        found.sort(key=lambda x: -x["score"])
        run.rows = len(rows)
        run.metrics = {"outliers": len(found), "features_with_spread": list(zs)}
    return {"outliers": found, "customers": len(rows), "from": date_from, "to": date_to, "run_id": run.id,
            "threshold": threshold}


def outliers_report(ctx: AppContext, date_from=None, date_to=None, threshold: float = THRESHOLD,
                    top: int | None = None) -> Report:
    res = find(ctx, date_from, date_to, threshold)
    rows = res["outliers"][:top] if top else res["outliers"]
    report = Report("Customers with anomalous usage (robust z-score)",
                    [Column("MSISDN"), Column("Name"), Column("Max |z|", "float", 1), Column("Why")],
                    filters={"from": res["from"], "to": res["to"], "threshold": threshold},
                    empty_message="no customer's usage is anomalous for these dates")
    report.rows = [[o["msisdn"], o["name"], o["score"], o["reason"]] for o in rows]
    report.notes.append(f"{len(res['outliers'])} of {res['customers']} active customers beyond |z| > {threshold} "
                        f"on calls, minutes, international calls, SMS, MB or sessions; z = (x - median) / "
                        f"(1.4826 MAD); model run #{res['run_id']}")
    return report
