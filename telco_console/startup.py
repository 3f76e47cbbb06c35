"""What the console and the subcommands both do before any work: read the settings, open the
database and bring its schema up to date. Each face (cli/, ui/) calls this; neither imports
the other."""
from __future__ import annotations

from telco_console.config import Config, load_config
from telco_console.context import AppContext
from telco_console.reporting.output import Output


def settings(path, out: Output) -> Config:
    """The settings (path, else TELCO_CONFIG, else the defaults; config.load_config), with its
    warnings shown."""
    config = load_config(path)
    for w in config.warnings:
        out.warning(w)
    return config


def make_context(config: Config, out: Output, progress: bool = True) -> AppContext:
    """An AppContext over the app account's pool; notices go to `out`."""
    from telco_console.db.pool import Database

    db = Database(config, notify=out.notify)
    return AppContext(config, db, notify=out.notify, progress=progress)


def prepare_database(ctx: AppContext) -> None:
    """Start the managed server if needed and apply pending migrations (owner account)."""
    from telco_console.db import migrations

    migrations.migrate(ctx.owner_db(), tz=ctx.tz)
    from telco_console.services.collection import import_runs

    import_runs.close_stale(ctx)      # imports left running by a process that is gone
