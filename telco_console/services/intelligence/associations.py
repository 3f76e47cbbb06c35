"""Association rules between applications used together, from per-user xDR baskets, level-wise.

A customer's basket holds each application (social, google, email, youtube, netflix, gaming, other)
that the customer uses, by one of three stated rules: 'share' (the default): the application is at
least --min-share (default 10%) of the customer's own traffic, so baskets say what a customer's
traffic is made of whatever its volume; 'above-median': the customer's bytes on it exceed the median
customer's (a heavy user: driven by total volume, so heavy users' baskets hold everything); or 'any':
its bytes exceed --min-mb (default 0, i.e. used at all; with xDR data where nearly every subscriber
touches every application this gives lift 1 everywhere).

Itemsets of up to --max-len applications (default 3) are found by FP-growth (mlxtend, imported by
this report only); every rule X -> Y split from a frequent itemset has support = share of baskets
holding X and Y, confidence = support(X and Y) / support(X), lift = confidence / support(Y). Rules
below the minimum support or confidence are left out."""
from __future__ import annotations

from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report
from telco_console.repositories import intelligence as repo
from telco_console.services.analytics import tracking

ROLES = ("analyst", "admin")
USED = ("share", "above-median", "any")
MAX_LEN = 3


def baskets(ctx: AppContext, min_mb: float = 0.0, used: str = "share", date_from=None,
            min_share: float = 0.10) -> list[frozenset[str]]:
    """One basket per customer. used='share': the applications that are at least min_share of the
    customer's own traffic; 'any': the applications above min_mb MB; 'above-median': the applications
    on which the customer spent more bytes than the median customer did."""
    if used not in USED:
        raise ValidationError(f"'used' is one of {', '.join(USED)}")
    rows = ctx.db.run(repo.app_bytes, date_from)
    if used == "share":
        out = []
        for r in rows:
            total = sum(float(r[a] or 0) for a in repo.APPS)
            out.append(frozenset(a for a in repo.APPS if total > 0 and float(r[a] or 0) >= min_share * total))
        return out
    if used == "any":
        limits = dict.fromkeys(repo.APPS, min_mb * 1000000)
    else:
        limits = {}
        for a in repo.APPS:
            values = sorted(float(r[a] or 0) for r in rows)
            n = len(values)
            limits[a] = (values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2) if n else 0.0
    return [frozenset(a for a in repo.APPS if float(r[a] or 0) > limits[a]) for r in rows]


def rules(baskets_: list[frozenset[str]], min_support: float = 0.05, min_confidence: float = 0.3,
          max_len: int = MAX_LEN) -> list[dict]:
    """Frequent itemsets of up to max_len items by FP-growth, then every rule X -> Y from them that
    reaches min_confidence. antecedent/consequent are the items joined by ' + '."""
    import inspect

    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    n = len(baskets_)
    items = sorted({a for b in baskets_ for a in b})
    if not n or not items:
        return []
    frame = pd.DataFrame([[a in b for a in items] for b in baskets_], columns=items, dtype=bool)
    itemsets = fpgrowth(frame, min_support=max(min_support, 1e-9), use_colnames=True, max_len=max_len)
    if itemsets.empty or itemsets["itemsets"].map(len).max() < 2:
        return []
    kw = {"num_itemsets": n} if "num_itemsets" in inspect.signature(association_rules).parameters else {}
    found = association_rules(itemsets, metric="confidence", min_threshold=min_confidence, **kw)
    out = []
    for r in found.itertuples(index=False):
        out.append({"antecedent": " + ".join(sorted(r.antecedents)), "consequent": " + ".join(sorted(r.consequents)),
                    "support": float(r.support), "confidence": float(r.confidence), "lift": float(r.lift),
                    "count": round(float(r.support) * n), "items": len(r.antecedents) + len(r.consequents)})
    out.sort(key=lambda r: (-r["lift"], -r["confidence"], -r["support"], r["antecedent"], r["consequent"]))
    return out


def associations_report(ctx: AppContext, min_support: float = 0.05, min_confidence: float = 0.3,
                        min_mb: float = 0.0, top: int | None = None, used: str = "share",
                        max_len: int = MAX_LEN, min_share: float = 0.10) -> Report:
    ctx.check("intelligence.run")
    for value, what in ((min_support, "minimum support"), (min_confidence, "minimum confidence")):
        if not 0 <= value <= 1:
            raise ValidationError(f"the {what} is a share from 0 to 1")
    if min_mb < 0:
        raise ValidationError("the usage threshold in MB cannot be negative")
    if not 2 <= max_len <= len(repo.APPS):
        raise ValidationError(f"the longest itemset is from 2 to {len(repo.APPS)} applications")
    params = {"min_support": min_support, "min_confidence": min_confidence, "used": used, "max_len": max_len}
    if used == "any":
        params["min_mb"] = min_mb
    if used == "share":
        params["min_share"] = min_share
    with tracking.tracked(ctx, "app-associations", params) as run:
        bs = baskets(ctx, min_mb, used, min_share=min_share)
        found = rules(bs, min_support, min_confidence, max_len)
        run.rows = len(bs)
        run.metrics = {"rules": len(found), "baskets": len(bs),
                       "rules_by_size": {str(k): sum(r["items"] == k for r in found) for k in range(2, max_len + 1)}}
    shown = found[:top] if top else found
    report = Report("Applications used together (association rules)", [
        Column("If the customer uses"), Column("they also use"), Column("Customers", "int"),
        Column("Support", "percent", 1), Column("Confidence", "percent", 1), Column("Lift", "float", 2)],
        filters=params, empty_message="no set of applications reaches the minimum support and confidence")
    report.rows = [[r["antecedent"], r["consequent"], r["count"], 100.0 * r["support"], 100.0 * r["confidence"],
                    r["lift"]]
                   for r in shown]
    rule = {"any": f"its bytes (DL+UL) exceed {min_mb:g} MB",
            "above-median": "the customer's bytes on it exceed the median customer's",
            "share": f"it is at least {min_share:.0%} of the customer's own traffic"}[used]
    report.notes.append(f"{len(bs)} customer baskets from data sessions; an application is used when {rule}; "
                        f"itemsets of up to {max_len} applications by FP-growth; lift > 1: used together more "
                        f"than by chance; model run #{run.id}")
    return report
