"""The model libraries load in the background after sign-in, only for the roles that run models."""
from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow       # a fresh interpreter importing scikit-learn: 2-4 s; make test, not test-fast
def test_background_import_loads_scikit_learn_for_analysts_only():
    code = ("import sys; from telco_console.services.analytics import preload; "
            "assert preload.start('staff') is None and 'sklearn' not in sys.modules; "
            "t = preload.start('analyst'); assert preload.start('admin') is t; t.join(60); "
            "assert 'sklearn.ensemble' in sys.modules and 'sklearn.cluster' in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_the_menu_starts_without_scikit_learn_kmodes_or_mlxtend():
    code = ("import sys, telco_console.ui.app, telco_console.cli; "
            "from telco_console.services.report_registry import all_reports; all_reports(); "
            "import telco_console.services.intelligence.clusters, telco_console.services.intelligence.associations; "
            "print([m for m in ('sklearn', 'kmodes', 'mlxtend', 'pandas') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
