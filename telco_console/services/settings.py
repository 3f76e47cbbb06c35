"""The settings in use as a Report, and a copy of the default settings file to edit."""
from __future__ import annotations

import os
from pathlib import Path

from telco_console.config import default_config_text, user_config_path, user_data_dir
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report


def settings_report(config) -> Report:
    """Every setting with its value and source (file, env, default); secrets masked."""
    report = Report(f"Settings ({config.shown_path})", [Column("Section"), Column("Key"), Column("Value"),
                                                        Column("Source")])
    report.rows = [list(r) for r in config.displayed()]
    return report


def write_default_config(path: str | os.PathLike | None = None) -> Path:
    """Write the commented default settings file (to the user's config.ini unless `path`);
    never over an existing file. In the user's config.ini the data folder stays where the
    built-in defaults keep it (~/.local/share/telco-console); elsewhere it is var/ beside the file."""
    target = Path(path) if path else user_config_path()
    if target.exists():
        raise ValidationError(f"{target} already exists: edit it, or remove it first")
    text = default_config_text()
    if target.absolute() == user_config_path().absolute():
        text = text.replace("\ndata_dir = var\n", f"\ndata_dir = {user_data_dir()}\n", 1)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as fh:
            fh.write(text)
        target.chmod(0o600)
    except OSError as exc:
        raise ValidationError(f"cannot write {target}: {exc.strerror}") from None
    return target
