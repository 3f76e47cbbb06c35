"""Targeted offers: for each customer, the plan that would have cost least over the last N complete
months of their own usage, re-rated with the billing engine (services.billing.rating.rate_for with
each active plan put in place of the customer's own; nothing is written), and by how much the
customer overpays on the current plan."""
from __future__ import annotations

from decimal import Decimal

from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import intelligence as repo
from telco_console.services.analytics import tracking
from telco_console.timeutil import Period

ROLES = ("analyst", "admin")


def last_periods(ctx: AppContext, months: int) -> list[Period]:
    if not 1 <= months <= 24:
        raise ValidationError("months must be from 1 to 24")
    today = ctx.now().date()
    p = Period(today.year, today.month).previous()
    out = []
    for _ in range(months):
        out.append(p)
        p = p.previous()
    return list(reversed(out))


def cheapest_plans(ctx: AppContext, months: int = 3) -> dict:
    """{customer_id: {current, costs {code: total}, best, saving}} over the last `months` complete months."""
    from telco_console.services.billing import rating

    ctx.check("intelligence.run")
    periods = last_periods(ctx, months)
    plans = ctx.db.run(repo.plans_for_offers)
    if not plans:
        raise ValidationError("there are no active plans to compare")
    customers = {c["id"]: c for c in ctx.db.run(repo.customers_brief)}
    with tracking.tracked(ctx, "offers-rerating", {"months": months, "periods": [str(p) for p in periods],
                                                   "plans": [p["code"] for p in plans]}) as run:
        own: dict[int, Decimal] = {}
        months_rated: dict[int, int] = {}
        for period in periods:
            for cid, r in rating.rate_for(ctx, period).items():
                if cid in customers:
                    own[cid] = own.get(cid, Decimal(0)) + r.total
                    months_rated[cid] = months_rated.get(cid, 0) + 1
        costs: dict[int, dict[str, Decimal]] = {cid: {} for cid in own}
        for plan in plans:
            for period in periods:
                for cid, r in rating.rate_for(ctx, period, plan_override=plan, customer_ids=list(own)).items():
                    if cid in costs:
                        costs[cid][plan["code"]] = costs[cid].get(plan["code"], Decimal(0)) + r.total
        result = {}
        for cid, current in own.items():
            options = costs[cid]
            if not options:
                continue
            best = min(sorted(options), key=lambda code: options[code])
            result[cid] = {"customer": customers[cid], "current": current, "months": months_rated[cid],
                           "costs": options, "best": best, "best_cost": options[best],
                           "saving": max(Decimal(0), current - options[best])}
        run.rows = len(result)
        run.metrics = {"customers": len(result),
                       "overpaying": sum(1 for r in result.values() if r["saving"] > 0 and
                                         r["best"] != r["customer"]["plan_code"]),
                       "total_saving": str(sum((r["saving"] for r in result.values()), Decimal(0)))}
    return {"customers": result, "periods": periods, "run_id": run.id}


def offers_report(ctx: AppContext, months: int = 3, only_overpaying: bool = False, top: int | None = None) -> Report:
    res = cheapest_plans(ctx, months)
    rows = sorted(res["customers"].values(), key=lambda r: (-r["saving"], r["customer"]["msisdn"]))
    if only_overpaying:
        rows = [r for r in rows if r["saving"] > 0 and r["best"] != r["customer"]["plan_code"]]
    if top:
        rows = rows[:top]
    ps = res["periods"]
    report = Report(f"Cheapest plan per customer ({ps[0]} to {ps[-1]}, re-rated)", [
        Column("MSISDN"), Column("Name"), Column("Plan"), Column("Months", "int"), Column("Cost on plan", "money"),
        Column("Cheapest plan"), Column("Cost on cheapest", "money"), Column("Overpays by", "money"),
        Column("Offer")], filters={"months": months, "only overpaying": only_overpaying},
        empty_message="no customer was billable in these months")
    for r in rows:
        c = r["customer"]
        switch = r["best"] != c["plan_code"] and r["saving"] > 0
        report.rows.append([c["msisdn"], c["name"], c["plan_code"], r["months"], r["current"], r["best"],
                            r["best_cost"], r["saving"], f"move to {r['best']}" if switch else "keep plan"])
    report.notes.append("each month re-rated on every active plan by the billing engine (fee, allowances, "
                        f"peak/off-peak, increments, tax); nothing is written; model run #{res['run_id']}")
    return report
