"""Database growth maintenance (admin; the rollup check also for analysts): partitions,
archiving old months and restoring them, rollup check and rebuild. Same services as
`telco-console db partitions|archive|restore-archive|archives|rollups`."""
from __future__ import annotations

from telco_console.errors import ValidationError
from telco_console.errors import digits as _digits
from telco_console.timeutil import Period
from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section


def _month(text: str) -> str:
    return str(Period.parse(text))


def _months_ahead(text: str) -> int:
    if not _digits(text.strip()) or not 0 <= int(text) <= 120:
        raise ValidationError("a number of months from 0 to 120")
    return int(text)


def partitions(console) -> None:
    from telco_console.services import maintenance

    console.show(maintenance.list_partitions(console.ctx))


def add_months(console) -> None:
    from telco_console.services import maintenance

    n = prompts.ask("Give each month up to how many months ahead its own partition?", _months_ahead, default="3")
    added = maintenance.add_future_months(console.ctx, n)
    total = sum(len(v) for v in added.values())
    console.out.success(f"added {total} partition(s)" if total else "every month already has its partition")


def archive(console) -> None:
    from telco_console.services import maintenance

    before = prompts.ask("Archive every month before (YYYY-MM):", _month)
    directory = prompts.ask("Directory for the archive files:", default=str(console.ctx.config.data_dir / "archive"))
    if not prompts.confirm(f"Export the months before {before} to {directory} and remove them from the "
                           "database?"):
        console.out.info("nothing archived")
        return
    results = maintenance.archive(console.ctx, before, directory, progress=console.out.info)
    if not results:
        console.out.success(f"nothing to archive before {before}")
    for r in results:
        if r.file:
            console.out.success(f"archived {r.month}: {sum(r.counts.values())} records -> {r.file}")
        if r.note:
            console.out.warning(r.note)


def restore(console) -> None:
    from telco_console.services import maintenance

    path = prompts.ask("Archive file to restore (usage-YYYY-MM.zip):")
    r = maintenance.restore_archive(console.ctx, path, progress=console.out.info)
    console.out.success(f"restored {r['month']}: {sum(r['inserted'].values())} of {sum(r['counts'].values())} "
                        "records added")


def archives(console) -> None:
    from telco_console.services import maintenance

    console.show(maintenance.list_archives(console.ctx))


def check(console) -> None:
    from telco_console.services import maintenance

    month = prompts.ask("Month to check (YYYY-MM, Enter = every month):", _month, required=False)
    report = maintenance.check_rollups(console.ctx, month)
    if report.rows:
        console.show(report)
        console.out.warning("the rollups differ from a recount: choose 'Rebuild the rollups'")
    else:
        console.out.success(report.empty_message)


def rebuild(console) -> None:
    from telco_console.services import maintenance

    month = prompts.ask("Month to rebuild (YYYY-MM, Enter = every month):", _month, required=False)
    months = maintenance.rebuild_rollups(console.ctx, month, progress=console.out.info)
    console.out.success(f"rebuilt the rollups of {len(months)} month(s)" if months else "no usage to recount")


def section() -> Section:
    return Section("Database maintenance", ("admin", "analyst"), [
        Item("Usage partitions", partitions, action="db.partitions"),
        Item("Add partitions for the coming months", add_months, action="db.partitions"),
        Item("Archive old months", archive, action="db.archive"),
        Item("Restore an archived month", restore, action="db.restore-archive"),
        Item("List archives", archives, action="db.archives"),
        Item("Check the rollups", check, action="db.rollups"),
        Item("Rebuild the rollups", rebuild, action="db.rollups.rebuild"),
    ])
