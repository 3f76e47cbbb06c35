"""The analytics reports in the catalogue (services.report_registry): engagement, experience,
satisfaction, the saved scores, and the model runs (list and compare)."""
from __future__ import annotations

from telco_console.services.report_registry import ReportOption, ReportSpec


def _engagement(ctx, params):
    from telco_console.services.analytics import engagement

    return engagement.report(ctx, params)


def _experience(ctx, params):
    from telco_console.services.analytics import experience

    return experience.report(ctx, params)


def _satisfaction(ctx, params):
    from telco_console.services.analytics import satisfaction

    return satisfaction.report(ctx, params)


def _scores(ctx, params):
    from telco_console.services.analytics import satisfaction

    return satisfaction.saved_scores_report(ctx, params)


def _runs(ctx, params):
    from telco_console.services.analytics import tracking

    return tracking.runs_report(ctx, params)


def _compare(ctx, params):
    from telco_console.services.analytics import tracking

    return tracking.compare_report(ctx, params)


def _run_id(text: str) -> int:
    from telco_console.services.analytics.tracking import parse_run_id

    return parse_run_id(text)


GROUP = "Customer analytics"
FILTERS = ("from", "to", "region", "top")

REPORTS = [
    ReportSpec("engagement", "User engagement: top customers, k-means clusters, applications, elbow", GROUP,
               _engagement, params=FILTERS,
               description="sessions, duration and traffic per customer; top N by each; k-means (k=3) on z-scores "
                           "of log1p of the metrics; traffic per application and its top users; the elbow method "
                           "for k=1..10 with its k beside k=3. Recorded as a model run."),
    ReportSpec("experience", "User experience: TCP, RTT, throughput, handsets, k-means clusters", GROUP,
               _experience, params=FILTERS,
               description="average TCP retransmission, RTT and throughput per customer (outliers capped at "
                           "the 1.5 IQR fences, missing values by the mean, handset by the mode); top, bottom and "
                           "most frequent values; per handset type; k-means (k=3) on log1p z-scores with a "
                           "description and the most common handset of each cluster. Recorded as a model run."),
    ReportSpec("satisfaction", "Satisfaction scores, regression model and clusters (saves the scores)", GROUP,
               _satisfaction, params=FILTERS,
               options=(ReportOption("score", "projected (higher = more engaged / better experience; the default) "
                                              "or distance (the challenge's literal distance to the worst centre)",
                                     "projected", ("projected", "distance")),),
               description="engagement and experience scores (projected from the least-engaged / worst-experience "
                           "centre towards the best, or --score distance), satisfaction as their mean, the top N, "
                           "a non-circular regression (plan, tenure, handset, region, usage mix) with its held-out "
                           "R² against the mean and a linear model, k-means (k=2) on the scores; saves every "
                           "customer's scores to customer_scores under a new model run."),
    ReportSpec("satisfaction-scores", "Saved satisfaction scores of a run", GROUP, _scores,
               params=("region", "customer", "top"),
               options=(ReportOption("run", "model run number (default: the latest satisfaction run)",
                                     parse=_run_id),),
               description="the scores a satisfaction run saved in customer_scores, most satisfied first."),
    ReportSpec("model-runs", "Model runs: parameters, code version, metrics, artefacts", GROUP, _runs,
               roles=("analyst", "admin"),      # runs of every region: operator-wide
               params=("top",),
               options=(ReportOption("model", "which model's runs", default="all", choices=(
                   "all", "engagement-kmeans", "experience-kmeans", "satisfaction", "churn-validation",
                   "churn-risk-model", "churn-risk", "churn-drivers-bn", "customer-clusters-kmodes", "outcome-knn",
                   "usage-regression", "app-associations")),),
               description="every analytics run recorded in model_runs, newest first."),
    ReportSpec("model-compare", "Compare two model runs", GROUP, _compare, roles=("analyst", "admin"),
               options=(ReportOption("run-a", "the first run number", parse=_run_id),
                        ReportOption("run-b", "the second run number", parse=_run_id)),
               description="two model runs side by side: parameters, metrics and their differences."),
]
