"""Import the model libraries in the background after sign-in, so that the first analytics report
does not pay for them (scikit-learn alone takes about 2 s to import on a small machine). The menu
starts without them; a report that needs a module before the thread has finished simply waits for
that import to complete (Python's per-module import lock)."""
from __future__ import annotations

import importlib
import threading

# what the analytics and intelligence reports use, in the order they need it
MODULES = ("numpy", "scipy.stats", "threadpoolctl", "sklearn.cluster", "sklearn.ensemble",
           "sklearn.model_selection", "sklearn.inspection", "sklearn.linear_model", "sklearn.metrics")
ROLES = ("analyst", "admin", "regional")

_started: list[threading.Thread] = []


def _import_all(modules) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:     # a missing optional module: the report that needs it will say so
            pass


def start(role: str | None, modules=MODULES) -> threading.Thread | None:
    """Start the background import once per process for a role that runs models; returns the thread."""
    if role not in ROLES:
        return None
    if _started:
        return _started[0]
    thread = threading.Thread(target=_import_all, args=(tuple(modules),), name="preload-models", daemon=True)
    thread.start()
    _started.append(thread)
    return thread
