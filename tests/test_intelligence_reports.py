"""The intelligence reports in the catalogue and through `report NAME`."""
from __future__ import annotations

from telco_console.services.intelligence.reports import REPORTS
from telco_console.services.report_registry import all_reports
from tests.helpers import make_user

NAMES = {"segments", "segment-placement", "campaign-list", "churn-risk", "churn-validation", "plan-offers",
         "usage-outliers", "app-associations", "top-leads", "listings-sms-inquiries", "phone-activity",
         "customer-clusters", "churn-drivers", "outcome-knn", "usage-regression"}


def test_catalogue():
    assert {s.name for s in REPORTS} == NAMES
    assert {s.name for s in all_reports()} >= NAMES
    for spec in REPORTS:
        assert spec.description and spec.group == "Customer intelligence"
        assert set(spec.roles) == {"analyst", "admin"}


def test_report_command(ctx, run_cli):
    make_user(ctx, "ana", "analyst")
    make_user(ctx, "boss", "admin")
    code, out, err = run_cli("report", "list", user="ana", password="correct-horse-9")
    assert code == 0 and "listings-sms-inquiries" in out
    code, out, err = run_cli("report", "campaign-list", "--action", "collect", user="ana", password="correct-horse-9")
    assert code == 1 and "no active or suspended customers" in err
    code, out, err = run_cli("report", "app-associations", "--min-support", "2", user="ana", password="correct-horse-9")
    assert code == 1 and "--min-support must be from 0 to 1" in err
    code, out, err = run_cli("report", "top-leads", "--top", "3", "--format", "csv", user="ana",
                             password="correct-horse-9")
    assert code == 0, err
    code, out, err = run_cli("report", "phone-activity", "--phone", "+919876543210", user="ana",
                             password="correct-horse-9")
    assert code == 0 and "not our customer" in out
    code, out, err = run_cli("report", "segment-placement", user="ana", password="correct-horse-9")
    assert code == 1 and "--msisdn" in err
    code, out, err = run_cli("report", "churn-drivers", "--data", "bigml", user="ana", password="correct-horse-9")
    assert code == 0 and "customer-service calls" in out and "ROC AUC (held out)" in out, err
    code, out, err = run_cli("report", "customer-clusters", "--k", "99", user="ana", password="correct-horse-9")
    assert code == 1 and "--k must be from 0 to 20" in err
    code, out, err = run_cli("report", "app-associations", "--max-len", "9", user="ana", password="correct-horse-9")
    assert code == 1 and "--max-len must be from 2 to 7" in err


def test_the_new_reports_are_menu_items():
    from telco_console.ui.menus import analytics as menu

    labels = [item.label for item in menu.section().items]
    for title in ("Customer clusters on categories (K-modes)", "Churn drivers (Bayesian network)",
                  "KNN on a real outcome (accounts closed)", "Spend or data appetite: nonlinear vs linear regression",
                  "Applications used together", "Churn model validated on the BigML data"):
        assert f"Customer intelligence: {title}" in labels
