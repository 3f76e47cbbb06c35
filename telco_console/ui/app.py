"""The interactive console: sign-in (or the first admin), then a numbered menu filtered by role.
Ctrl-C at any prompt goes back to the menu; a database outage is reported and the menu stays."""
from __future__ import annotations

from telco_console.context import AppContext
from telco_console.errors import AuthError, DatabaseUnavailable, TelcoError
from telco_console.errors import digits as _digits
from telco_console.reporting.output import Output
from telco_console.reporting.report import Report
from telco_console.ui import prompts
from telco_console.ui.prompts import Cancelled


class Console:
    """What every menu handler gets: the context, the output and the last report."""

    def __init__(self, ctx: AppContext, out: Output):
        self.ctx = ctx
        self.out = out
        self.last_report: Report | None = None

    @property
    def user(self):
        return self.ctx.user

    def show(self, report: Report) -> None:
        """Show a report (paged when tall) and keep it for 'Save the last report'."""
        from telco_console.reporting.render import to_table

        if report.is_empty() and not report.notes:
            self.out.info(f"{report.title}: {report.empty_message}")
        else:
            self.out.page(to_table(report))
        self.last_report = report

    def save_last_report(self) -> None:
        from telco_console.reporting.files import write_private
        from telco_console.reporting.render import render
        from telco_console.services import exports

        if self.last_report is None:
            self.out.warning("no report has been shown yet")
            return
        fmt = prompts.choose("Format", ["csv", "json", "html"], default="csv")
        default = f"exports/{_slug(self.last_report.title)}.{fmt}"
        path = prompts.ask_output_file("File", default=default, create_folder="exports")
        write_private(path, render(self.last_report, fmt), overwrite=True)
        exports.record_export(self.ctx, self.last_report.title, fmt, path)
        self.out.success(f"saved {self.last_report.title} to {path}")


def _slug(text: str) -> str:
    return "".join(c.lower() if c.isalnum() else "-" for c in text).strip("-")[:60] or "report"


def numbered_menu(console: Console, title: str, labels: list[str], back_label: str = "Back") -> int | None:
    """Print a numbered menu and read a number; returns the index, or None for back (0)."""
    console.out.write("")
    console.out.write(f"== {title} ==")
    for i, label in enumerate(labels, 1):
        console.out.write(f"  {i:>2}) {label}")
    console.out.write(f"   0) {back_label}")

    def parse(text: str) -> int:
        t = text.strip()
        if not _digits(t) or not 0 <= int(t) <= len(labels):
            from telco_console.errors import ValidationError

            raise ValidationError(f"type a number from 0 to {len(labels)}")
        return int(t)

    choice = prompts.ask("Choose a number:", parse)
    return None if choice == 0 else choice - 1


def run_action(console: Console, handler) -> None:
    """Run one menu action: errors become one line, Ctrl-C backs out, the menu stays."""
    try:
        handler(console)
    except Cancelled:
        console.out.warning("cancelled, back to the menu")
    except KeyboardInterrupt:
        console.out.warning("cancelled, back to the menu")
    except DatabaseUnavailable as exc:
        console.out.error(f"{exc} (the menu stays; try again when the database is back)")
        console.ctx.db.close()
    except TelcoError as exc:
        console.out.error(str(exc))
    except OSError as exc:          # a file that could not be read or written: the menu stays
        console.out.error(f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}")


def section_menu(console: Console, section) -> None:
    while True:
        items = section.visible_items(console.user)
        try:
            idx = numbered_menu(console, section.title, [i.label for i in items])
        except Cancelled:
            return
        if idx is None:
            return
        run_action(console, items[idx].handler)


def main_menu(console: Console) -> None:
    from telco_console.ui.menus import sections_for

    sections = sections_for(console.user)
    while True:
        labels = [s.title for s in sections] + ["Save the last report", "Change my password"]
        try:
            idx = numbered_menu(console, f"Telco Console — {console.user.username} ({console.user.role})",
                                labels, back_label="Quit")
        except Cancelled:
            console.out.warning("press 0 to quit")
            continue
        if idx is None:
            console.out.info("Goodbye.")
            return
        if idx < len(sections):
            section_menu(console, sections[idx])
        elif idx == len(sections):
            run_action(console, lambda c: c.save_last_report())
        else:
            run_action(console, _change_own_password)


def _change_own_password(console: Console) -> None:
    from telco_console.services import auth

    pw = prompts.ask_new_password(console.user.username)
    auth.change_password(console.ctx, console.user.username, pw)
    console.out.success("password changed")


def sign_in(console: Console):
    """Returns the signed-in User, creating the first admin when there are no accounts."""
    from telco_console.services import auth

    ctx = console.ctx
    if not auth.has_users(ctx):
        console.out.info("No accounts yet: create the first administrator.")
        while True:
            try:
                name = prompts.ask("Admin username:", auth.validate_username)
                password = prompts.ask_new_password(name)
                return auth.add_user(ctx, name, password, "admin", bootstrap=True)
            except TelcoError as exc:
                console.out.error(str(exc))
    for _ in range(10):
        name = prompts.ask("Username:")
        password = prompts.ask_password("Password:")
        try:
            return auth.login(ctx, name, password)
        except AuthError as exc:
            console.out.error(str(exc))
    raise AuthError("too many failed sign-in attempts")


def run_interactive(config_path: str | None = None, out: Output | None = None) -> int:
    """The console with the settings file `config_path` (None: TELCO_CONFIG or the defaults).
    A failure before the menu ends as it does for a subcommand (Output.fail)."""
    from telco_console.startup import make_context, prepare_database, settings

    out = out or Output()
    try:
        config = settings(config_path, out)
        ctx = make_context(config, out)
        prepare_database(ctx)
        console = Console(ctx, out)
        out.info("Telco Console — sign in (Ctrl-C to quit)")
        user = sign_in(console)
        console.ctx = ctx.with_user(user)
        from telco_console.services.analytics import preload

        preload.start(user.role)      # scikit-learn loads while the menu is read
        out.success(f"Signed in as {user.username} ({user.role}).")
        main_menu(console)
        return 0
    except Cancelled:
        out.info("Goodbye.")
        return 0
    except TelcoError as exc:
        return out.fail(exc)
    except KeyboardInterrupt:
        out.info("Goodbye.")
        return 130
