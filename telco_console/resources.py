"""Files shipped inside the package, read with importlib.resources so that every kind of install
(editable, wheel, pip --user, --prefix, a fresh virtual environment) finds them: the SQL
migrations (the repository's top-level sql/, shipped as the subpackage telco_console.sql), the
default settings file and data files (telco_console/data/)."""
from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def migrations() -> Traversable:
    """The folder of numbered migrations, sql/migrations in the repository."""
    return resources.files("telco_console.sql") / "migrations"


def default_config() -> Traversable:
    """The commented default settings, config.ini in the repository."""
    return resources.files("telco_console") / "config.ini"


def data(*parts: str) -> Traversable:
    """A file or folder under telco_console/data/."""
    found = resources.files("telco_console") / "data"
    for part in parts:
        found = found / part
    return found
