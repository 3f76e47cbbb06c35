"""Value and risk segments, by a stated rule, and KNN placement of a (new) customer.

Features per customer (active and suspended), over the last `months` months:
  average bill = revenue billed / bills; usage index = the mean of the customer's percentile ranks
  of minutes, SMS and data MB; overdue share = bills paid late or unpaid past due / bills;
  outstanding = what is owed on bills past their due date.

The rule, applied in order:
  1. high-risk                        outstanding > 0, or overdue share >= 1/3     -> collect
  2. high-value/low-risk              average bill >= the median average bill,
                                      and above 0                                  -> retain
  3. low-profit/high-value/low-risk   average bill below the median, usage index
                                      >= 0.5 (uses a lot, pays little)             -> up-sell
  4. low-value/low-risk               the rest                                     -> cross-sell

KNN placement: the customer's features (average bill, minutes, SMS, MB, overdue share and
outstanding, z-scored with the population's mean and deviation) plus plan, region and handset
one-hot encoded (a 0/1 column per value), 5 nearest neighbours among the other customers
(Euclidean), majority vote of their rule segments."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from telco_console.context import AppContext
from telco_console.errors import NotFoundError, ValidationError
from telco_console.phone import normalise_msisdn
from telco_console.reporting.report import Chart, Column, Report
from telco_console.repositories import intelligence as repo
from telco_console.services.analytics import tracking

ROLES = ("analyst", "admin")
SEGMENTS = [  # (name, action, why)
    ("high-risk", "collect", "owes past due, or a third or more of its bills paid late or not at all"),
    ("high-value/low-risk", "retain", "average bill at or above the median, pays on time"),
    ("low-profit/high-value/low-risk", "up-sell", "uses more than half the customers, pays below the median"),
    ("low-value/low-risk", "cross-sell", "low bill and low usage, pays on time"),
]
ACTIONS = {name: action for name, action, _ in SEGMENTS}
OVERDUE_SHARE = Decimal(1) / Decimal(3)
NUMERIC = ("avg_bill", "minutes", "sms", "data_mb", "overdue_share", "outstanding")
K = 5


@dataclass
class Placed:
    rows: list[dict]          # per customer, with features and 'segment'
    median_bill: Decimal
    since: date


def months_back(today: date, months: int) -> date:
    y, m = today.year, today.month - months + 1
    while m <= 0:
        m += 12
        y -= 1
    return date(y, m, 1)


def _percentile_ranks(values: list[float]) -> list[float]:
    """Average-rank percentile in [0, 1] (ties share their mean rank)."""
    n = len(values)
    if n == 1:
        return [0.5]
    order = sorted(range(n), key=lambda i: values[i])
    ranks = [0.0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean_rank = (i + j) / 2
        for k in range(i, j + 1):
            ranks[order[k]] = mean_rank / (n - 1)
        i = j + 1
    return ranks


def _median(values: list[Decimal]) -> Decimal:
    s = sorted(values)
    n = len(s)
    if not n:
        return Decimal(0)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def classify(ctx: AppContext, months: int = 6) -> Placed:
    """Every active/suspended customer with its features and rule segment."""
    if not 1 <= months <= 120:
        raise ValidationError("months must be from 1 to 120")
    today = ctx.now().date()
    since = months_back(today, months)
    rows = ctx.db.run(repo.value_features, today, since)
    if not rows:
        raise ValidationError("there are no active or suspended customers to segment")
    for r in rows:
        r["revenue"] = Decimal(r["revenue"])
        r["outstanding"] = Decimal(r["outstanding"])
        r["avg_bill"] = (r["revenue"] / r["bills"]).quantize(Decimal("0.01")) if r["bills"] else Decimal("0.00")
        r["overdue_share"] = (Decimal(int(r["overdue_bills"])) / r["bills"]) if r["bills"] else Decimal(0)
        for k in ("minutes", "sms", "data_mb"):
            r[k] = float(r[k] or 0)
    ranks = [_percentile_ranks([r[k] for r in rows]) for k in ("minutes", "sms", "data_mb")]
    for i, r in enumerate(rows):
        r["usage_index"] = sum(rk[i] for rk in ranks) / 3
    median_bill = _median([r["avg_bill"] for r in rows])
    for r in rows:
        r["segment"] = segment_of(r, median_bill)
        r["action"] = ACTIONS[r["segment"]]
    return Placed(rows, median_bill, since)


def segment_of(r: dict, median_bill: Decimal) -> str:
    if r["outstanding"] > 0 or r["overdue_share"] >= OVERDUE_SHARE:
        return "high-risk"
    if r["avg_bill"] > 0 and r["avg_bill"] >= median_bill:
        return "high-value/low-risk"
    if r["usage_index"] >= 0.5:
        return "low-profit/high-value/low-risk"
    return "low-value/low-risk"


def segments_report(ctx: AppContext, months: int = 6) -> Report:
    ctx.check("intelligence.run")
    with tracking.tracked(ctx, "segments-rule", {"months": months, "overdue_share": "1/3",
                                                 "usage_index_cut": 0.5}) as run:
        placed = classify(ctx, months)
        rows = placed.rows
        total_rev = sum((r["revenue"] for r in rows), Decimal(0))
        report = Report(f"Value and risk segments (last {months} months)", [
            Column("Segment"), Column("Action"), Column("Customers", "int"), Column("Share of customers", "percent", 1),
            Column("Revenue", "money"), Column("Revenue share", "percent", 1), Column("Avg bill (centre)", "money"),
            Column("Minutes (centre)", "float", 1), Column("SMS (centre)", "float", 1),
            Column("Data MB (centre)", "float", 1), Column("Usage index (centre)", "float", 2),
            Column("Overdue share (centre)", "percent", 1)], filters={"months": months})
        sizes = {}
        for name, action, _ in SEGMENTS:
            members = [r for r in rows if r["segment"] == name]
            sizes[name] = len(members)
            if not members:
                continue
            n = len(members)
            rev = sum((r["revenue"] for r in members), Decimal(0))
            report.rows.append([
                name, action, n, 100.0 * n / len(rows), rev, 100.0 * float(rev / total_rev) if total_rev else 0.0,
                (sum((r["avg_bill"] for r in members), Decimal(0)) / n).quantize(Decimal("0.01")),
                sum(r["minutes"] for r in members) / n, sum(r["sms"] for r in members) / n,
                sum(r["data_mb"] for r in members) / n, sum(r["usage_index"] for r in members) / n,
                100.0 * float(sum((r["overdue_share"] for r in members), Decimal(0)) / n)])
        report.charts.append(Chart("Customers per segment", [r[0] for r in report.rows],
                                   [float(r[2]) for r in report.rows]))
        if total_rev == 0:
            report.notes.append("no bills in these months (run the bill run first): the value split falls back "
                                "on usage only")
        report.notes.append(f"rule: high-risk = owes past due or >= 1/3 of bills overdue (collect); else average "
                            f"bill >= median {placed.median_bill} (and > 0) -> high-value/low-risk (retain); else "
                            f"usage index >= 0.5 -> low-profit/high-value/low-risk (up-sell); else low-value/low-risk "
                            f"(cross-sell). Centres are the segment means. Usage index = mean percentile of "
                            f"minutes, SMS and MB. Bills from {placed.since:%Y-%m}.")
        run.rows = len(rows)
        run.metrics = {"sizes": sizes, "median_bill": str(placed.median_bill), "revenue": str(total_rev)}
    report.notes.append(f"model run #{run.id}")
    return report


def campaign_report(ctx: AppContext, action: str, months: int = 6, offer_months: int = 3) -> Report:
    """The customers of the segment(s) with one recommended action: a list for a campaign, with the
    plan that would have cost each least over the last `offer_months` months (offers.py, re-rated by
    the billing engine)."""
    from telco_console.services.intelligence import offers

    ctx.check("intelligence.run")
    if action not in ACTIONS.values():
        raise ValidationError(f"action must be one of {', '.join(ACTIONS.values())}")
    placed = classify(ctx, months)
    members = sorted((r for r in placed.rows if r["action"] == action),
                     key=lambda r: (-r["revenue"], -r["usage_index"], r["msisdn"]))
    cheapest = offers.cheapest_plans(ctx, offer_months)["customers"] if members else {}
    report = Report(f"Campaign list: {action}", [
        Column("MSISDN"), Column("Name"), Column("Plan"), Column("Region"), Column("Segment"),
        Column("Avg bill", "money"), Column("Minutes", "float", 1), Column("SMS", "float", 0),
        Column("Data MB", "float", 1), Column("Outstanding", "money"), Column("Cheapest plan (re-rated)"),
        Column("Overpays by", "money")], filters={"action": action, "months": months})
    for r in members:
        offer = cheapest.get(r["id"])
        report.rows.append([r["msisdn"], r["name"], r["plan_code"], r["region"], r["segment"], r["avg_bill"],
                            r["minutes"], r["sms"], r["data_mb"], r["outstanding"],
                            offer["best"] if offer else "", offer["saving"] if offer else None])
    report.notes.append(f"cheapest plan: the last {offer_months} complete months re-rated on every active plan by "
                        "the billing engine; export with --format csv (or Save the last report)")
    return report


def _matrix(rows: list[dict]):
    """z-scored numeric features + one-hot plan, region, handset."""
    import numpy as np

    num = np.array([[float(r[k]) for k in NUMERIC] for r in rows], dtype=float)
    mean, std = num.mean(axis=0), num.std(axis=0)
    std[std == 0] = 1.0
    parts = [(num - mean) / std]
    names = list(NUMERIC)
    for attr in ("plan_code", "region", "handset"):
        values = sorted({r[attr] or "" for r in rows})
        onehot = np.array([[1.0 if (r[attr] or "") == v else 0.0 for v in values] for r in rows])
        parts.append(onehot)
        names += [f"{attr.split('_')[0]}={v or '(none)'}" for v in values]
    return np.hstack(parts), names


def place(ctx: AppContext, msisdn: str, months: int = 6, k: int = K) -> dict:
    """KNN placement of one customer among the others (its rule segment is shown beside)."""
    from sklearn.neighbors import KNeighborsClassifier

    from telco_console.services.intelligence.churn import single_thread

    ctx.check("intelligence.run")
    number = normalise_msisdn(msisdn, ctx.region)
    placed = classify(ctx, months)
    rows = placed.rows
    idx = next((i for i, r in enumerate(rows) if r["msisdn"] == number), None)
    if idx is None:
        raise NotFoundError(f"no active or suspended customer with number {number}")
    if len(rows) < 2:
        raise ValidationError("placement needs other customers to compare with")
    X, names = _matrix(rows)
    others = [i for i in range(len(rows)) if i != idx]
    k = min(k, len(others))
    with tracking.tracked(ctx, "segments-knn", {"k": k, "months": months, "msisdn": number,
                                                "encoding": "z-scored numeric + one-hot plan/region/handset"}) as run, \
            single_thread():
        knn = KNeighborsClassifier(n_neighbors=k)
        knn.fit(X[others], [rows[i]["segment"] for i in others])
        dist, nb = knn.kneighbors(X[idx:idx + 1])
        predicted = knn.predict(X[idx:idx + 1])[0]
        neighbours = [(rows[others[j]], float(d)) for j, d in zip(nb[0], dist[0])]
        run.rows = len(others)
        run.metrics = {"segment": predicted, "rule_segment": rows[idx]["segment"]}
    return {"customer": rows[idx], "segment": predicted, "action": ACTIONS[predicted], "neighbours": neighbours,
            "run_id": run.id, "k": k}


def placement_report(ctx: AppContext, msisdn: str, months: int = 6) -> Report:
    p = place(ctx, msisdn, months)
    c = p["customer"]
    report = Report(f"Segment placement for {c['msisdn']} (KNN, k={p['k']})", [Column("Measure"), Column("Value")])
    report.rows = [["KNN segment", p["segment"]], ["Action", p["action"]], ["Rule segment", c["segment"]],
                   ["Plan / region / handset", f"{c['plan_code']} / {c['region'] or '-'} / {c['handset'] or '-'}"],
                   ["Average bill", str(c["avg_bill"])], ["Minutes", f"{c['minutes']:.1f}"],
                   ["SMS", f"{c['sms']:.0f}"], ["Data MB", f"{c['data_mb']:.1f}"]]
    nb = Report("Nearest neighbours", [Column("MSISDN"), Column("Segment"), Column("Plan"), Column("Region"),
                                       Column("Distance", "float", 3)])
    nb.rows = [[r["msisdn"], r["segment"], r["plan_code"], r["region"], d] for r, d in p["neighbours"]]
    report.sections.append(nb)
    report.notes.append("features: average bill, minutes, SMS, MB, overdue share, outstanding (z-scored) and plan, "
                        f"region, handset one-hot; majority of the {p['k']} nearest; model run #{p['run_id']}")
    return report
