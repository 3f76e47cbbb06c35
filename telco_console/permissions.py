"""Who may do what: one table (role x action, with a scope) that the services, the subcommands and the
menus all check, and that docs/permissions.md is generated from (`python -m telco_console.permissions`).

A cell of the table is the scope in which the role may do the action:
- ALL: the whole operator. An account limited to a region (an admin, staff or analyst account with a
  region, or any regional manager) may not do it: the action has no regional form.
- REGION: the whole operator for an operator-wide account; only its own region for an account with a
  region (the service narrows lists and refuses anything about another region).
- OWN: a customer account, on its own number only (and on public data such as the plans).
- SELF: the account itself only (its own password).
An empty cell: the role may not. Every refusal is PermissionDenied (exit 4).

Who may add, enable, disable or reset whose account is a second, smaller table: MANAGES."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum

from telco_console.errors import PermissionDenied


class Role(StrEnum):
    """The roles; the values are what staff_users.role stores (str() and format() give the value)."""

    ADMIN = "admin"
    ANALYST = "analyst"
    STAFF = "staff"
    REGIONAL = "regional"
    CUSTOMER = "customer"


ROLES = tuple(r.value for r in Role)


class Scope(StrEnum):
    ALL = "all"
    REGION = "region"
    OWN = "own"
    SELF = "self"


A, R, O, S, _ = Scope.ALL, Scope.REGION, Scope.OWN, Scope.SELF, None  # noqa: E741 -- one-letter cells keep the matrix readable


@dataclass(frozen=True)
class Action:
    name: str
    area: str
    text: str                               # "add customers": completes "is not allowed to ..."
    grants: dict                            # Role -> Scope

    def roles(self) -> tuple[str, ...]:
        return tuple(r.value for r in Role if r in self.grants)


# The matrix. Columns: admin, analyst, staff, regional, customer. Names of subcommand leaves are their
# words joined by dots ("customer add" -> customer.add); reports are report.<name>.
_TABLE = [
    # area, action, text                                              admin analyst staff regional customer
    ("Accounts", "user.add", "add accounts",                           R, _, _, R, _),
    ("Accounts", "user.list", "list accounts",                         R, _, _, R, _),
    ("Accounts", "user.disable", "disable accounts",                   R, _, _, R, _),
    ("Accounts", "user.enable", "enable accounts",                     R, _, _, R, _),
    ("Accounts", "user.password", "change passwords",                  R, S, S, R, S),
    ("Accounts", "region.list", "list regions",                        R, R, R, R, _),
    ("Accounts", "region.add", "declare regions",                      A, _, _, _, _),
    ("Accounts", "audit.read", "read the audit log",                   A, _, _, _, _),
    ("Customers", "customer.add", "add customers",                     R, _, _, _, _),
    ("Customers", "customer.list", "list customers",                   R, R, R, R, _),
    ("Customers", "customer.show", "see customers",                    R, R, R, R, O),
    ("Customers", "customer.edit", "edit customers",                   R, _, _, _, _),
    ("Customers", "customer.close", "close customers",                 R, _, _, _, _),
    ("Customers", "import.customers", "import customers",              A, _, _, _, _),
    ("Plans", "plan.add", "add plans",                                 A, _, _, _, _),
    ("Plans", "plan.edit", "edit plans",                               A, _, _, _, _),
    ("Plans", "plan.list", "list plans",                               R, R, R, R, O),
    ("Plans", "plan.show", "see plans",                                R, R, R, R, O),
    ("Data collection", "log.call", "log calls",                       R, _, R, _, _),
    ("Data collection", "log.sms", "log SMS",                          R, _, R, _, _),
    ("Data collection", "log.data", "log data sessions",               R, _, R, _, _),
    ("Data collection", "log.show", "see logged records",              R, _, R, _, _),
    ("Data collection", "log.today", "see logged records",             R, _, R, _, _),
    ("Data collection", "log.undo", "undo logged records",             R, _, R, _, _),
    ("Data collection", "import", "import files",                      A, _, A, _, _),
    ("Data collection", "imports", "see imports",                      A, _, A, _, _),
    ("Data collection", "unmatched.list", "list unmatched records",    A, _, A, _, _),
    ("Data collection", "unmatched.reprocess", "re-process unmatched records", A, _, A, _, _),
    ("Billing", "bill.run", "run bills",                               A, _, _, _, _),
    ("Billing", "billing.rate", "rate customers without billing",      A, A, _, _, _),
    ("Billing", "bill.send", "send bills",                             R, _, _, R, _),
    ("Billing", "bill.list", "list bills",                             R, _, _, R, O),
    ("Billing", "bill.show", "see bills",                              R, _, _, R, O),
    ("Billing", "bill.statement", "see statements",                    R, _, _, R, O),
    ("Billing", "bill.pay", "record payments",                         R, _, _, R, _),
    ("Billing", "bill.adjust", "adjust bills",                         R, _, _, _, _),
    ("Billing", "bill.credit", "give credits",                         R, _, _, _, _),
    ("Billing", "bill.remind", "send reminders",                       A, _, _, _, _),
    ("Billing", "bill.reminders", "list reminders",                    R, _, _, R, O),
    ("Billing", "account.view", "see own account",                     _, _, _, _, O),
    ("Billing", "rates.import", "import rate decks",                   A, _, _, _, _),
    ("Billing", "rates.import-cgrates", "import CGRateS tariff plans", A, _, _, _, _),
    ("Billing", "rates.quote", "quote calls",                          R, R, R, _, _),
    ("Billing", "rates.lookup", "look up rates",                       R, R, R, _, _),
    ("Billing", "rates.list", "list rate decks",                       R, R, R, _, _),
    ("Billing", "rates.decks", "list rate decks",                      R, R, R, _, _),
    ("Billing", "enquiry.add", "log enquiries",                        R, _, R, R, O),
    ("Billing", "enquiry.list", "list enquiries",                      R, _, R, R, O),
    ("Billing", "enquiry.answer", "answer enquiries",                  R, _, R, R, _),
    ("Billing", "enquiry.close", "close enquiries",                    R, _, R, R, O),
    ("Analytics", "analytics.run", "run customer analytics",           R, R, _, R, _),
    ("Analytics", "analytics.runs", "list and compare model runs",     A, A, _, _, _),
    ("Intelligence", "intelligence.run",
     "run customer intelligence (segments, churn, offers, outliers, associations)", A, A, _, _, _),
    ("Intelligence", "leads.import-leads", "import leads",             A, A, _, _, _),
    ("Intelligence", "leads.import-listings", "import listings",       A, A, _, _, _),
    ("Intelligence", "leads.read", "see leads, listings and activity summaries", A, A, _, _, _),
    ("Intelligence", "ask", "use the command prompt",                  A, A, _, _, _),
    ("Reports", "report.list", "list the reports",                     R, R, R, R, O),
    ("Reports", "report.usage-summary", "run the report usage-summary", R, R, _, R, _),
    ("Reports", "report.network-summary", "run the report network-summary", R, R, _, R, _),
    ("Reports", "report.peak-hours", "run the report peak-hours",      R, R, _, R, _),
    ("Reports", "report.top-customers", "run the report top-customers", R, R, _, R, _),
    ("Reports", "report.activity", "run the report activity",          R, R, _, R, _),
    ("Reports", "report.my-usage", "run the report my-usage",          _, _, _, _, O),
    ("Reports", "report.my-calls", "run the report my-calls",          _, _, _, _, O),
    ("Reports", "report.handsets", "run the report handsets",          R, R, _, R, _),
    ("Reports", "report.xdr-overview", "run the report xdr-overview",  R, R, _, R, _),
    ("Reports", "report.xdr-stats", "run the report xdr-stats",        R, R, _, R, _),
    ("Reports", "report.plan-trends", "run the report plan-trends",    R, R, _, R, _),
    ("Reports", "report.engagement", "run the report engagement",      R, R, _, R, _),
    ("Reports", "report.experience", "run the report experience",      R, R, _, R, _),
    ("Reports", "report.satisfaction", "run the report satisfaction",  R, R, _, R, _),
    ("Reports", "report.satisfaction-scores", "run the report satisfaction-scores", R, R, _, R, _),
    ("Reports", "report.model-runs", "run the report model-runs",      A, A, _, _, _),
    ("Reports", "report.model-compare", "run the report model-compare", A, A, _, _, _),
    ("Reports", "report.segments", "run the report segments",          A, A, _, _, _),
    ("Reports", "report.segment-placement", "run the report segment-placement", A, A, _, _, _),
    ("Reports", "report.campaign-list", "run the report campaign-list", A, A, _, _, _),
    ("Reports", "report.churn-risk", "run the report churn-risk",      A, A, _, _, _),
    ("Reports", "report.churn-validation", "run the report churn-validation", A, A, _, _, _),
    ("Reports", "report.plan-offers", "run the report plan-offers",    A, A, _, _, _),
    ("Reports", "report.usage-outliers", "run the report usage-outliers", A, A, _, _, _),
    ("Reports", "report.app-associations", "run the report app-associations", A, A, _, _, _),
    ("Reports", "report.customer-clusters", "run the report customer-clusters", A, A, _, _, _),
    ("Reports", "report.churn-drivers", "run the report churn-drivers", A, A, _, _, _),
    ("Reports", "report.outcome-knn", "run the report outcome-knn",    A, A, _, _, _),
    ("Reports", "report.usage-regression", "run the report usage-regression", A, A, _, _, _),
    ("Reports", "report.top-leads", "run the report top-leads",        A, A, _, _, _),
    ("Reports", "report.listings-sms-inquiries", "run the report listings-sms-inquiries", A, A, _, _, _),
    ("Reports", "report.phone-activity", "run the report phone-activity", A, A, _, _, _),
    ("Reports", "report.unrated", "run the report unrated",            R, R, _, R, _),
    ("Maintenance", "db.backup", "back up the database",               A, _, _, _, _),
    ("Maintenance", "db.restore", "restore the database",              A, _, _, _, _),
    ("Maintenance", "db.partitions", "list and add partitions",        A, _, _, _, _),
    ("Maintenance", "db.archive", "archive usage records",             A, _, _, _, _),
    ("Maintenance", "db.restore-archive", "restore archived usage records", A, _, _, _, _),
    ("Maintenance", "db.archives", "list archives",                    A, _, _, _, _),
    ("Maintenance", "db.rollups", "check the rollups",                 A, A, _, _, _),
    ("Maintenance", "db.rollups.rebuild", "rebuild the rollups",       A, _, _, _, _),
    ("Maintenance", "demo.load", "load demo data",                     A, _, _, _, _),
    ("Maintenance", "settings.show", "see the settings",               A, _, _, _, _),
]

_COLUMNS = (Role.ADMIN, Role.ANALYST, Role.STAFF, Role.REGIONAL, Role.CUSTOMER)

MATRIX: dict[str, Action] = {}
for _area, _name, _text, *_cells in _TABLE:
    if _name in MATRIX:
        raise AssertionError(f"action {_name} is in the matrix twice")
    MATRIX[_name] = Action(_name, _area, _text, {role: cell for role, cell in zip(_COLUMNS, _cells) if cell})

# Commands that need no sign-in: whoever can read the settings file (the database's credentials) runs
# them. `user add` and `demo load` sign in (and check user.add / demo.load) once an account exists.
LOCAL = {
    "server.start": "start the managed database server",
    "server.stop": "stop the managed database server",
    "server.status": "show the managed server's state",
    "db.migrate": "apply the schema migrations",
    "db.status": "show the schema's state",
    "config.show": "show the settings (secrets masked)",
    "config.init": "write the commented default settings to a file to edit",
}

# Who may add, enable, disable or reset the password of which accounts. An account with a region (the
# actor) manages only accounts of that same region, never an operator-wide account (no region).
MANAGES = {
    "operator-wide admin": (Role.ADMIN, Role.REGIONAL, Role.ANALYST, Role.STAFF, Role.CUSTOMER),
    "regional manager": (Role.ADMIN, Role.ANALYST, Role.STAFF, Role.CUSTOMER),
    "admin of a region": (Role.ANALYST, Role.STAFF, Role.CUSTOMER),
}


def scope_region(user) -> str | None:
    """The region an account is limited to: a regional manager's, or the region of an admin, staff or
    analyst account that has one; None for an operator-wide account (and for customers)."""
    if str(user.role) == Role.CUSTOMER.value:
        return None
    return user.region or None


def grant(user, name: str) -> Scope | None:
    """The scope in which the user may do the action, or None."""
    act = MATRIX.get(name)
    if act is None:
        raise KeyError(f"the action {name} is not in the permission matrix")
    try:
        role = Role(str(user.role))
    except ValueError:
        return None
    scope = act.grants.get(role)
    if scope is Scope.ALL and scope_region(user) is not None:
        return None
    return scope


def allowed(user, name: str) -> bool:
    return grant(user, name) is not None


def who(user) -> str:
    region = scope_region(user)
    return f"{user.username} ({user.role}{' of region ' + region if region else ''})"


def check(user, name: str) -> Scope:
    """The user's scope for the action, or PermissionDenied (exit 4)."""
    scope = grant(user, name)
    if scope is None:
        act = MATRIX[name]
        roles = act.roles()
        if _is_role(user.role) and Role(str(user.role)) in act.grants:
            need = "an operator-wide account"
        else:
            need = ("the role " + " or ".join(roles)) if roles else "a role that nobody has"
        raise PermissionDenied(f"{who(user)} is not allowed to {act.text}; it needs {need}")
    return scope


def _is_role(value) -> bool:
    try:
        Role(str(value))
        return True
    except ValueError:
        return False


def require_roles(user, roles, text: str) -> None:
    """The compatible form of a check (AppContext.require): the role must be one of `roles`, and an
    account limited to a region is refused unless `regional` is listed (such code predates regions
    for admins, staff and analysts, so it cannot narrow to one: operator-wide is the safe reading)."""
    names = [str(r) for r in roles]
    if str(user.role) not in names:
        raise PermissionDenied(f"{who(user)} is not allowed to {text}; it needs the role {' or '.join(names)}")
    if scope_region(user) is not None and str(user.role) != Role.REGIONAL.value:
        raise PermissionDenied(f"{who(user)} is not allowed to {text}; it needs an operator-wide account")


# -- scope checks used by the services --------------------------------------------------------------

def narrow_region(user, asked: str | None) -> str | None:
    """The region filter to apply: the asked one, or the account's own region (refusing another)."""
    own = scope_region(user)
    asked = (asked or "").strip() or None
    if own is None:
        return asked
    if asked is not None and asked != own:
        raise PermissionDenied(f"{who(user)} sees region {own} only, not {asked}")
    return own


def check_region(user, region: str | None) -> None:
    """Refuse a thing of another region to an account limited to a region."""
    own = scope_region(user)
    if own is not None and (region or "") != own:
        raise PermissionDenied(f"{who(user)} sees region {own} only")


def check_customer(user, customer: dict) -> None:
    """Refuse another number to a customer account, another region to an account limited to one."""
    if str(user.role) == Role.CUSTOMER.value:
        if customer.get("id") != user.customer_id:
            raise PermissionDenied("a customer account sees its own number only")
        return
    check_region(user, customer.get("region"))


# -- docs/permissions.md ----------------------------------------------------------------------------

CELL = {Scope.ALL: "all", Scope.REGION: "region", Scope.OWN: "own", Scope.SELF: "self"}


def markdown() -> str:
    """docs/permissions.md, generated from the table above."""
    cols = [r.value for r in _COLUMNS]
    lines = ["# Permissions", "",
             "Generated from `telco_console/permissions.py` by `python -m telco_console.permissions "
             "--write` (or `make permissions-doc`); `tests/test_permissions.py` fails when this file and "
             "the table disagree. Do not edit by hand.", "",
             "A cell is the scope in which the role may do the action; an empty cell (—) means it may "
             "not. Every refusal exits with status 4 and writes nothing.", "",
             "- **all**: the whole operator. An account limited to a region may not (the action has no "
             "regional form).",
             "- **region**: the whole operator for an operator-wide account; only its own region for an "
             "account limited to one (a regional manager, or an admin, staff or analyst account with a "
             "region): lists are narrowed, anything of another region is refused.",
             "- **own**: a customer account, on its own number only (and public data such as the plans).",
             "- **self**: the account itself only (its own password).", "",
             "A new subcommand or service adds its row to `_TABLE` (a subcommand's action is its words "
             "joined by dots, or the `permission` it sets with `set_defaults`) and checks it with "
             "`ctx.check(\"area.verb\")`. `ctx.require(*roles, action=...)` still works: an action "
             "that names a row is checked there; other text checks the roles and refuses an account "
             "limited to a region. `tests/test_permissions.py` fails for a subcommand without a row.", ""]
    area = None
    for act in MATRIX.values():
        if act.area != area:
            area = act.area
            lines += ([""] if lines[-1] else []) + [f"## {area}", "", "| action | what | " + " | ".join(cols) + " |",
                      "|---|---|" + "---|" * len(cols)]
        cells = [CELL[act.grants[r]] if r in act.grants else "—" for r in _COLUMNS]
        lines.append(f"| `{act.name}` | {act.text} | " + " | ".join(cells) + " |")
    lines += ["", "## Accounts: who manages whom", "",
              "Adding, enabling, disabling an account and setting another account's password "
              "(`user.add`, `user.enable`, `user.disable`, `user.password`):", "",
              "| actor | may manage accounts of the roles |", "|---|---|"]
    for actor, roles in MANAGES.items():
        lines.append(f"| {actor} | {', '.join(r.value for r in roles)} |")
    lines += ["",
              "An actor with a region (a regional manager, an admin of a region) manages only accounts "
              "of that region and never an operator-wide account; an admin added by a regional manager "
              "is an admin of that region. A customer account's region is its customer's. An account that an "
              "operator-wide admin disabled is enabled again only by an operator-wide admin. Every "
              "account may change its own password.", "",
              "## Commands without sign-in", "",
              "Whoever can read the settings file (it holds the database's credentials) runs these:", ""]
    for name, text in LOCAL.items():
        lines.append(f"- `{name.replace('.', ' ')}`: {text}")
    lines += ["- `user add`, `demo load`: without sign-in only on an empty database (the first admin, "
              "the demo data); afterwards they sign in and need `user.add` / `demo.load` (`demo load --if-empty` on a "
              "database that has customers does nothing and needs no sign-in).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse
    from pathlib import Path

    p = argparse.ArgumentParser(prog="python -m telco_console.permissions",
                                description="print docs/permissions.md from the permission matrix")
    p.add_argument("--write", metavar="FILE", nargs="?", const="docs/permissions.md",
                   help="write the file (default docs/permissions.md) instead of printing it")
    args = p.parse_args(argv)
    text = markdown()
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {args.write}\n")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
