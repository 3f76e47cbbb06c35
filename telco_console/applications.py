"""The applications whose bytes an xDR data session records, in the schema's column order: the one
definition behind the record columns ({app}_dl, {app}_ul), the rollups' ({app}_bytes), the
reports, the analyses, the imports and the demo data."""
from __future__ import annotations

APPS = ("social", "google", "email", "youtube", "netflix", "gaming", "other")
APP_NAMES = {"social": "Social media", "google": "Google", "email": "Email", "youtube": "YouTube",
             "netflix": "Netflix", "gaming": "Gaming", "other": "Other"}
