"""Backups: dump the whole database to a file, or restore one (admin)."""
from __future__ import annotations

from pathlib import Path

from telco_console.errors import ValidationError
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section


def _existing_file(text: str) -> str:
    path = Path(text.strip()).expanduser()
    if not path.is_file():
        raise ValidationError(f"no file {path}")
    return str(path)


def _new_file(text: str) -> str:
    path = Path(text.strip()).expanduser()
    if not text.strip():
        raise ValidationError("a file name is required")
    if not path.parent.is_dir():
        raise ValidationError(f"the folder {path.parent} does not exist")
    return str(path)


def backup(console) -> None:
    from telco_console.services import backup as svc

    path = prompts.ask("Back up to file:", _new_file)
    overwrite = Path(path).exists() and prompts.confirm(f"{path} exists: replace it?")
    res = svc.backup(console.ctx, path, overwrite=overwrite)
    console.out.success(f"backed up to {res.path}: {res.rows} rows in {len(res.tables)} tables")


def restore(console) -> None:
    from telco_console.services import backup as svc

    path = prompts.ask("Restore from file:", _existing_file)
    svc.check_dump(Path(path))
    if not prompts.confirm("This replaces the current data with the backup's. Continue?"):
        console.out.info("nothing restored")
        return
    res = svc.restore(console.ctx, path)
    console.out.success(f"restored from {res.path}: {res.rows} rows in {len(res.tables)} tables")


def section() -> Section:
    return Section("Backups", ("admin",), [
        Item("Back up the database to a file", backup, action="db.backup"),
        Item("Restore the database from a backup", restore, action="db.restore"),
    ])
