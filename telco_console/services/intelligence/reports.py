"""The customer intelligence reports in the catalogue (services/report_registry.py)."""
from __future__ import annotations

import math

from telco_console.errors import ValidationError
from telco_console.services.report_registry import ReportOption, ReportSpec

GROUP = "Customer intelligence"
ROLES = ("analyst", "admin")


def _int(name: str, low: int, high: int):
    def parse(text):
        raw = str(text).strip()
        if not (len(raw) <= 12 and raw.lstrip("+-").isascii() and raw.lstrip("+-").isdigit()):
            raise ValidationError(f"--{name} takes a whole number, not '{raw[:30]}'")
        value = int(raw)
        if not low <= value <= high:
            raise ValidationError(f"--{name} must be from {low} to {high}")
        return value
    return parse


def _float(name: str, low: float, high: float | None = None):
    def parse(text):
        raw = str(text).strip()
        try:
            value = float(raw) if len(raw) <= 30 else float("nan")
        except ValueError:
            raise ValidationError(f"--{name} takes a number, not '{raw[:30]}'") from None
        if not math.isfinite(value) or value < low or (high is not None and value > high):
            raise ValidationError(f"--{name} must be from {low:g}" + (f" to {high:g}" if high is not None else " up"))
        return value
    return parse


def _yes(text) -> bool:
    if isinstance(text, bool):
        return text
    t = str(text).strip().lower()
    if t in ("yes", "y", "true", "1"):
        return True
    if t in ("no", "n", "false", "0", ""):
        return False
    raise ValidationError("answer yes or no")


def _get(params, name, default, parse):
    value = params.extra.get(name)
    if value is None or value == "":
        return default
    return parse(value) if isinstance(value, str) else value


WINDOW = ReportOption("window", "days after a cut-off in which a closure counts as churn (default 7)", 7,
                      parse=_int("window", 1, 180))
HISTORY = ReportOption("history", "days of usage before a cut-off that make the features (default 14)", 14,
                       parse=_int("history", 2, 365))
MONTHS = ReportOption("months", "months of bills and usage to look at (default 6)", 6, parse=_int("months", 1, 120))


def _segments(ctx, params):
    from telco_console.services.intelligence import segments

    return segments.segments_report(ctx, _get(params, "months", 6, MONTHS.parse))


def _placement(ctx, params):
    from telco_console.services.intelligence import segments

    msisdn = params.extra.get("msisdn") or params.customer
    if not msisdn:
        raise ValidationError("give the customer to place: --msisdn NUMBER")
    return segments.placement_report(ctx, msisdn, _get(params, "months", 6, MONTHS.parse))


def _campaign(ctx, params):
    from telco_console.services.intelligence import segments

    return segments.campaign_report(ctx, params.extra.get("action") or "up-sell",
                                    _get(params, "months", 6, MONTHS.parse))


def _churn_risk(ctx, params):
    from telco_console.services.intelligence import churn

    return churn.risk_report(ctx, params.top or 20, _get(params, "window", churn.WINDOW_DAYS, WINDOW.parse),
                             _get(params, "history", churn.HISTORY_DAYS, HISTORY.parse),
                             _get(params, "reselect", False, _yes))


def _churn_validation(ctx, params):
    from telco_console.services.intelligence import churn

    return churn.validation_report(ctx, params.extra.get("path") or None)


def _clusters(ctx, params):
    from telco_console.services.intelligence import clusters

    return clusters.report(ctx, _get(params, "months", 6, MONTHS.parse), _get(params, "k", 0, _int("k", 0, 20)) or None)


def _drivers(ctx, params):
    from telco_console.services.intelligence import churn, drivers

    return drivers.report(ctx, params.extra.get("data") or "ours",
                          _get(params, "window", churn.WINDOW_DAYS, WINDOW.parse),
                          _get(params, "history", churn.HISTORY_DAYS, HISTORY.parse))


def _knn(ctx, params):
    from telco_console.services.intelligence import churn, outcomes

    return outcomes.knn_report(ctx, params.top or 20, _get(params, "window", churn.WINDOW_DAYS, WINDOW.parse),
                               _get(params, "history", churn.HISTORY_DAYS, HISTORY.parse))


def _regression(ctx, params):
    from telco_console.services.intelligence import outcomes

    return outcomes.regression_report(ctx, params.extra.get("target") or "data",
                                      _get(params, "months", 3, _int("months", 1, 24)))


def _offers(ctx, params):
    from telco_console.services.intelligence import offers

    return offers.offers_report(ctx, _get(params, "months", 3, _int("months", 1, 24)),
                                _get(params, "overpaying", False, _yes), params.top)


def _outliers(ctx, params):
    from telco_console.services.intelligence import outliers

    return outliers.outliers_report(ctx, params.date_from, params.date_to,
                                    _get(params, "threshold", outliers.THRESHOLD, _float("threshold", 0.1)),
                                    params.top)


def _associations(ctx, params):
    from telco_console.services.intelligence import associations

    return associations.associations_report(
        ctx, _get(params, "min-support", 0.05, _float("min-support", 0, 1)),
        _get(params, "min-confidence", 0.3, _float("min-confidence", 0, 1)),
        _get(params, "min-mb", 0.0, _float("min-mb", 0)), params.top, params.extra.get("used") or "share",
        _get(params, "max-len", 3, _int("max-len", 2, 7)), _get(params, "min-share", 0.10, _float("min-share", 0, 1)))


def _top_leads(ctx, params):
    from telco_console.services.intelligence import leads

    return leads.top_leads_report(ctx, params.top or 10)


def _listings(ctx, params):
    from telco_console.services.intelligence import leads

    return leads.listings_sms_report(ctx, params.top or 10)


def _activity(ctx, params):
    from telco_console.services.intelligence import leads

    phone = params.extra.get("phone") or params.customer
    if not phone:
        raise ValidationError("give the phone number: --phone NUMBER")
    return leads.activity_report(ctx, phone)


REPORTS = [
    ReportSpec("segments", "Value and risk segments", GROUP, _segments, ROLES, options=(MONTHS,),
               description="segments by a stated rule (collect, retain, up-sell, cross-sell) with centres, size "
                           "and revenue share"),
    ReportSpec("segment-placement", "Place a customer in a segment (KNN)", GROUP, _placement, ROLES,
               options=(ReportOption("msisdn", "the customer's number"), MONTHS),
               description="5 nearest neighbours on the segment features, plan/region/handset one-hot"),
    ReportSpec("campaign-list", "Campaign list per action", GROUP, _campaign, ROLES,
               options=(ReportOption("action", "retain, up-sell, cross-sell or collect", "up-sell",
                                     ("retain", "up-sell", "cross-sell", "collect")), MONTHS),
               description="the customers of the segment with that action, for export"),
    ReportSpec("customer-clusters", "Customer clusters on categories (K-modes)", GROUP, _clusters, ROLES,
               options=(MONTHS, ReportOption("k", "number of clusters (default 0: the cost curve's elbow)", 0,
                                             parse=_int("k", 0, 20))),
               description="K-modes on plan, region, handset maker, tenure band and usage bands; each cluster's "
                           "size, revenue share and modes; the cost by k with the elbow"),
    ReportSpec("churn-risk", "Churn risk of active customers", GROUP, _churn_risk, ROLES, params=("top",),
               options=(WINDOW, HISTORY,
                        ReportOption("reselect", "choose and validate the model again even if today's "
                                                 "selection is stored (yes/no)", "no", ("yes", "no"), parse=_yes)),
               description="point-in-time features before a cut-off, label = closed in the window after; "
                           "validated on a later cut-off (time-split ROC AUC shown); top N at risk with reasons"),
    ReportSpec("churn-drivers", "Churn drivers (Bayesian network)", GROUP, _drivers, ROLES,
               options=(ReportOption("data", "ours (our customers, time split) or bigml (the packaged BigML split)",
                                     "ours", ("ours", "bigml")), WINDOW, HISTORY),
               description="a Bayesian network on discretised features and churn: its edges, churn by each "
                           "state of each linked variable, validated on held-out data (ROC AUC)"),
    ReportSpec("outcome-knn", "KNN on a real outcome (accounts closed)", GROUP, _knn, ROLES, params=("top",),
               options=(WINDOW, HISTORY),
               description="k nearest neighbours on point-in-time features, label = closed in the window after; "
                           "CV accuracy, balanced accuracy and ROC AUC per k, a time split, customers whose "
                           "neighbours left"),
    ReportSpec("usage-regression", "Spend or data appetite: nonlinear vs linear regression", GROUP, _regression,
               ROLES, options=(ReportOption("target", "data (MB a day) or spend (billed revenue a month)", "data",
                                            ("data", "spend")),
                               ReportOption("months", "months of usage and bills (default 3)", 3,
                                            parse=_int("months", 1, 24))),
               description="gradient-boosted trees against ridge and the mean on held-out customers, with CV R² "
                           "and permutation importance"),
    ReportSpec("churn-validation", "Churn model validated on the BigML data", GROUP, _churn_validation, ROLES,
               options=(ReportOption("path", "folder with churn-bigml-80.csv and churn-bigml-20.csv (default: "
                                             "the copy packaged with the program)", ""),),
               description="features, tree size and threshold chosen by cross-validation on the training "
                           "file; test ROC AUC, accuracy, recall and precision with bootstrap 95% intervals"),
    ReportSpec("plan-offers", "Cheapest plan per customer (re-rated)", GROUP, _offers, ROLES, params=("top",),
               options=(ReportOption("months", "complete months to re-rate (default 3)", 3,
                                     parse=_int("months", 1, 24)),
                        ReportOption("overpaying", "only customers who overpay (yes/no)", "no", ("yes", "no"),
                                     parse=_yes)),
               description="every month re-rated on every plan with the billing engine; overpayment"),
    ReportSpec("usage-outliers", "Customers with anomalous usage", GROUP, _outliers, ROLES,
               params=("from", "to", "top"),
               options=(ReportOption("threshold", "robust |z| above which usage is anomalous (default 3.5)", 3.5,
                                     parse=_float("threshold", 0.1)),),
               description="robust z-score per feature, with the features that make it anomalous"),
    ReportSpec("app-associations", "Applications used together", GROUP, _associations, ROLES, params=("top",),
               options=(ReportOption("min-support", "minimum support, 0-1 (default 0.05)", 0.05,
                                     parse=_float("min-support", 0, 1)),
                        ReportOption("min-confidence", "minimum confidence, 0-1 (default 0.3)", 0.3,
                                     parse=_float("min-confidence", 0, 1)),
                        ReportOption("used", "an application is used: share (at least --min-share of the "
                                             "customer's own traffic), above-median (heavy use, above the median "
                                             "customer's bytes) or any (above --min-mb)", "share",
                                     ("share", "above-median", "any")),
                        ReportOption("min-share", "with --used share: the share of own traffic, 0-1 (default 0.1)",
                                     0.1, parse=_float("min-share", 0, 1)),
                        ReportOption("max-len", "the most applications in a rule, 2-7 (default 3)", 3,
                                     parse=_int("max-len", 2, 7)),
                        ReportOption("min-mb", "with --used any: used above this many MB (default 0)", 0.0,
                                     parse=_float("min-mb", 0))),
               description="association rules beyond pairs (FP-growth, up to --max-len applications) from "
                           "per-user xDR baskets: support, confidence, lift"),
    ReportSpec("top-leads", "Most contacted leads by call volume", GROUP, _top_leads, ROLES, params=("top",),
               description="leads ranked by calls with their phone number (leads import-leads first)"),
    ReportSpec("listings-sms-inquiries", "Listings with the most SMS inquiries", GROUP, _listings, ROLES,
               params=("top",), description="listings ranked by SMS to or from their leads' numbers"),
    ReportSpec("phone-activity", "Activity summary for a phone number", GROUP, _activity, ROLES,
               options=(ReportOption("phone", "the phone number"),),
               description="calls, SMS, leads contacted and listings inquired"),
]
