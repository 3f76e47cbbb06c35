"""Customer intelligence (analyst, admin): the typed command prompt over leads, listings and
activity, and the leads/listings imports. The intelligence reports themselves are in the report
catalogue (services/intelligence/reports.py) and appear on the analysts' report menu."""
from __future__ import annotations

from pathlib import Path

from telco_console.ui import prompts
from telco_console.ui.menus import Item, Section

ROLES = ("analyst", "admin")


def history_path(console) -> Path:
    """command_history in the data folder ([paths] data_dir), kept between sessions."""
    return Path(console.ctx.config.data_dir) / "command_history"


def _history(console):
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    try:
        path = history_path(console)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        return FileHistory(str(path))
    except OSError:
        return InMemoryHistory()     # read-only install: history for this session only


def command_loop(console, read=None) -> None:
    """Read typed commands until quit / Ctrl-D; each result is shown as a table. `read(prompt)`
    returns a line (None at end of input); by default a prompt_toolkit session with history."""
    from telco_console.errors import TelcoError
    from telco_console.services.intelligence import leads

    if read is None:
        from prompt_toolkit import PromptSession

        session = PromptSession(history=_history(console))

        def read(message):
            try:
                return session.prompt(message)
            except EOFError:
                return None
            except KeyboardInterrupt:
                return None
    console.out.info("Type a command (help lists them; quit or Ctrl-D to go back).")
    while True:
        line = read("intelligence> ")
        if line is None:
            return
        if not line.strip():
            continue
        try:
            report = leads.run_command(console.ctx, line)
        except TelcoError as exc:
            console.out.error(str(exc))
            continue
        if report is None:
            return
        console.show(report)


def import_leads(console) -> None:
    from telco_console.services.intelligence import leads

    path = prompts.ask("Leads CSV file (lead id, name, phone, listing id, created):")
    console.out.success(leads.import_leads(console.ctx, path).summary())


def import_listings(console) -> None:
    from telco_console.services.intelligence import leads

    path = prompts.ask("Listings CSV file (listing id, title, location, price):")
    console.out.success(leads.import_listings(console.ctx, path).summary())


def section() -> Section:
    return Section("Customer intelligence", ROLES, [
        Item("Command prompt (leads, listings, activity)", command_loop, action="ask"),
        Item("Import leads from CSV", import_leads, action="leads.import-leads"),
        Item("Import listings from CSV", import_listings, action="leads.import-listings"),
    ])
