"""The permission matrix: its doc, and a walk of every subcommand and every menu item as every role,
a regional manager of another region and a customer acting on another number included. A refusal is
exit 4 and writes nothing (every table's checksum is unchanged); an allowed run is not refused."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from helpers import make_customer, make_plan, make_user
from telco_console import permissions
from telco_console.cli import build_parser, leaves
from telco_console.context import User
from telco_console.permissions import MATRIX, Role, Scope

ROOT = Path(__file__).resolve().parent.parent
PW = "correct-horse-9"
NORTH, SOUTH, NORTH_CLOSE = "+447911000001", "+447911000002", "+447911000003"
PERIOD = "2026-10"


def test_the_doc_is_generated_from_the_table():
    doc = (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert doc == permissions.markdown(), \
        "docs/permissions.md is stale: run python -m telco_console.permissions --write"


def test_the_table_is_complete_and_roles_are_an_enum():
    assert [r.value for r in Role] == ["admin", "analyst", "staff", "regional", "customer"]
    assert User(None, "x", "staff").role is Role.STAFF and User(None, "x", "staff").role == "staff"
    for act in MATRIX.values():
        assert act.grants, f"{act.name}: nobody may do it"
        assert all(isinstance(s, Scope) for s in act.grants.values())
        assert Scope.OWN not in [act.grants.get(r) for r in Role if r is not Role.CUSTOMER], act.name


def test_every_subcommand_is_in_the_matrix():
    missing = [" ".join(path) for path, leaf in leaves(build_parser())
               if leaf._defaults["permission"] not in MATRIX and leaf._defaults["permission"] not in permissions.LOCAL]
    assert missing == [], f"subcommands missing from telco_console/permissions.py: {missing}"


def test_report_specs_agree_with_the_matrix():
    from telco_console.services.report_registry import all_reports

    for spec in all_reports():
        act = MATRIX.get(f"report.{spec.name}")
        assert act is not None, f"report {spec.name} is missing from the permission matrix"
        assert set(act.roles()) == set(spec.roles), spec.name


def test_the_legacy_require_is_a_shim_onto_the_matrix():
    from telco_console.context import SYSTEM, AppContext
    from telco_console.errors import PermissionDenied

    ctx = AppContext(None, None, SYSTEM)

    north_admin = ctx.with_user(User(None, "na", "admin", "North"))
    ctx.require("admin", action="rates.whatever")                          # operator-wide admin: as before
    with pytest.raises(PermissionDenied, match="needs an operator-wide account"):
        north_admin.require("admin", action="rates.whatever")             # cannot narrow: refused
    ctx.with_user(User(None, "r", "regional", "North")).require("admin", "regional", action="x")
    with pytest.raises(PermissionDenied, match="not allowed to add plans"):
        north_admin.require("admin", action="plan.add")                  # a matrix action: checked there


# -- the world every persona acts in -------------------------------------------------------------

PERSONAS = {
    # name: (role, region, customer number)
    "boss": ("admin", None, None),
    "zadmin": ("admin", "North", None),           # an admin of North (limited to it)
    "northboss": ("regional", "North", None),
    "southboss": ("regional", "South", None),     # a regional manager of another region
    "clerk": ("staff", None, None),
    "ana": ("analyst", None, None),
    "nora": ("customer", None, NORTH),
    "sam": ("customer", None, SOUTH),             # a customer acting on another number
}


@pytest.fixture
def world(ctx, tmp_path):
    make_user(ctx, "boss", "admin")
    make_plan(ctx)
    north = make_customer(ctx, NORTH, "Nora North", region="North")
    south = make_customer(ctx, SOUTH, "Sam South", region="South")
    make_customer(ctx, NORTH_CLOSE, "Nils North", region="North")
    from telco_console.repositories import users as users_repo
    from telco_console.security import hash_password

    hashed = hash_password(PW)                     # one scrypt hash for every account: set-up stays quick
    ids = {NORTH: north["id"], SOUTH: south["id"]}

    def add(conn):
        for name, (role, region, number) in list(PERSONAS.items()) + [("northclerk", ("staff", "North", None))]:
            if name != "boss":
                users_repo.add(conn, name, hashed, role, region, ids.get(number), "boss")
        conn.cursor().execute("INSERT INTO regions (name) VALUES ('North'), ('South')")
    ctx.db.run(add)
    users = {}
    for name in PERSONAS:
        row = ctx.db.run(users_repo.by_username, name)
        users[name] = User(row["id"], name, row["role"], row["region"], row["customer_id"])
    from telco_console.services.billing import billrun, enquiries

    billrun.run(ctx, PERIOD)
    from telco_console.repositories.base import fetch_value

    bill = ctx.db.run(lambda conn: fetch_value(conn, "SELECT bill_number FROM bills WHERE customer_id = %s",
                                               (north["id"],)))
    enquiry = enquiries.add(ctx, NORTH, "Roaming", "Why was I charged?")
    from telco_console.services.collection import manual

    clerk = ctx.with_user(users["clerk"])
    rec, _ = manual.call_preview(clerk, NORTH, "+447700900123", "out", "2026-11-02 09:00", duration="60")
    record = manual.save_call(clerk, rec).number        # logged by staff: staff undo their own
    return dict(users=users, bill=bill, enquiry=str(enquiry["id"]), record=str(record), tmp=tmp_path)


def samples(w) -> dict[str, list[tuple[list[str], str | None]]]:
    """One or more argv per subcommand leaf, with what it acts on: "north" (a thing of region North, or
    Nora's number), "account" (northclerk's account) or None (lists, operator-wide things)."""
    tmp, bill, enq, record = w["tmp"], w["bill"], w["enquiry"], w["record"]
    missing = str(tmp / "missing.csv")
    s = {
        "user.add": [(["user", "add", "walker", "--role", "staff", "--region", "North"], "north")],
        "user.list": [(["user", "list"], None)],
        "user.disable": [(["user", "disable", "northclerk"], "account")],
        "user.enable": [(["user", "enable", "northclerk"], "account")],
        "user.password": [(["user", "password", "northclerk"], "account")],
        "region.list": [(["region", "list"], None)],
        "region.add": [(["region", "add", "Walkland"], None)],
        "customer.add": [(["customer", "add", "--msisdn", "+447911000099", "--name", "W", "--plan", "BASIC",
                           "--region", "North"], "north")],
        "customer.list": [(["customer", "list", "--region", "North"], "north")],
        "customer.show": [(["customer", "show", NORTH], "north")],
        "customer.edit": [(["customer", "edit", NORTH, "--name", "Nora N"], "north")],
        "customer.close": [(["customer", "close", NORTH_CLOSE], "north")],
        "plan.add": [(["plan", "add", "--code", "WALK", "--name", "W", "--monthly-fee", "1", "--minutes", "1",
                       "--sms", "1", "--mb", "1", "--peak-rate", "0.1", "--offpeak-rate", "0.1",
                       "--sms-rate", "0.1", "--mb-rate", "0.1"], None)],
        "plan.edit": [(["plan", "edit", "BASIC", "--name", "Basic plan"], None)],
        "plan.list": [(["plan", "list"], None)],
        "plan.show": [(["plan", "show", "BASIC"], None)],
        "log.call": [(["log", "call", "--msisdn", NORTH, "--other", "+447700900123", "--direction", "out",
                       "--start", "2026-11-02 10:00", "--duration", "60"], "north")],
        "log.sms": [(["log", "sms", "--msisdn", NORTH, "--other", "+447700900123", "--direction", "out",
                      "--at", "2026-11-02 10:05", "--length", "20"], "north")],
        "log.data": [(["log", "data", "--msisdn", NORTH, "--start", "2026-11-02 10:10", "--duration", "60",
                       "--dl", "1 MB", "--ul", "1 KB"], "north")],
        "log.show": [(["log", "show", record], "north")],
        "log.today": [(["log", "today"], None)],
        "log.undo": [(["log", "undo", record], "north")],
        "import": [(["import", "csv", missing], None)],
        "imports": [(["imports"], None)],
        "unmatched.list": [(["unmatched", "list"], None)],
        "unmatched.reprocess": [(["unmatched", "reprocess"], None)],
        "leads.import-leads": [(["leads", "import-leads", missing], None)],
        "leads.import-listings": [(["leads", "import-listings", missing], None)],
        "ask": [(["ask", "top", "leads"], None)],
        "demo.load": [(["demo", "load", "--customers", "1", "--days", "1"], None)],
        "report.list": [(["report", "list"], None)],
        "rates.import": [(["rates", "import", "--deck", "WALK", missing], None)],
        "rates.import-cgrates": [(["rates", "import-cgrates", "--deck", "WALK", "--rating-plan", "RP",
                                   str(tmp / "missing-dir")], None)],
        "rates.quote": [(["rates", "quote", "--plan", "BASIC", "--to", "+447700900123", "--at",
                          "2026-11-02 10:00:00", "--duration", "60"], None)],
        "rates.lookup": [(["rates", "lookup", "+447700900123", "--deck", "WALK"], None)],
        "rates.list": [(["rates", "list", "--deck", "WALK"], None)],
        "rates.decks": [(["rates", "decks"], None)],
        "bill.run": [(["bill", "run", "--period", PERIOD, "--dry-run"], None)],
        "bill.list": [(["bill", "list", "--customer", NORTH], "north")],
        "bill.show": [(["bill", "show", bill], "north")],
        "bill.pay": [(["bill", "pay", bill, "0.01", "--method", "cash", "--reference", "WALK"], "north")],
        "bill.remind": [(["bill", "remind"], None)],
        "bill.reminders": [(["bill", "reminders", "--bill", bill], "north")],
        "bill.statement": [(["bill", "statement", NORTH], "north")],
        "bill.adjust": [(["bill", "adjust", bill, "0.01", "--reason", "walk"], "north")],
        "bill.credit": [(["bill", "credit", NORTH, "0.01", "--reason", "walk"], "north")],
        "enquiry.add": [(["enquiry", "add", NORTH, "--subject", "s", "--body", "b"], "north")],
        "enquiry.list": [(["enquiry", "list", "--customer", NORTH], "north")],
        "enquiry.answer": [(["enquiry", "answer", enq, "--text", "t"], "north")],
        "enquiry.close": [(["enquiry", "close", enq], "north")],
        "db.backup": [(["db", "backup", str(tmp / "walk.sql")], None)],
        "db.restore": [(["db", "restore", str(tmp / "missing.sql"), "--yes"], None)],
        "db.partitions": [(["db", "partitions"], None)],
        "db.archive": [(["db", "archive", "--before", "2001-01", "--dir", str(tmp)], None)],
        "db.restore-archive": [(["db", "restore-archive", str(tmp / "usage-2001-01.zip")], None)],
        "db.archives": [(["db", "archives"], None)],
        "db.rollups": [(["db", "rollups", "check"], None),
                       (["db", "rollups", "rebuild", "--month", "2001-01"], "db.rollups.rebuild")],
    }
    from telco_console.services.report_registry import all_reports

    extra = {"segment-placement": ["--msisdn", NORTH], "phone-activity": ["--phone", NORTH],
             "churn-validation": ["--path", str(tmp / "missing-churn")],
             "model-compare": ["--run-a", "1", "--run-b", "2"]}
    for spec in all_reports():
        argv = ["report", spec.name] + extra.get(spec.name, [])
        target = None
        if "region" in spec.params:
            argv += ["--region", "North"]
            target = "north"
        if spec.name == "activity":
            argv += ["--customer", NORTH]
            target = "north"
        if spec.name in ("segment-placement", "phone-activity"):
            target = "north"
        s.setdefault(f"report.{spec.name}", [(argv, target)])
    return s


def expected_refusal(user: User, action: str, target: str | None) -> bool:
    scope = permissions.grant(user, action)
    if scope is None:
        return True
    if target == "account":                     # northclerk: staff of North
        return scope is Scope.SELF or (user.scope_region not in (None, "North"))
    if target == "north":
        if scope is Scope.REGION and user.scope_region not in (None, "North"):
            return True
        if scope is Scope.OWN and user.customer_id is not None and str(user.role) == "customer":
            return user.username != "nora"
    return False


def _checksums(owner_db, tables) -> dict:
    with owner_db.connection() as conn:
        cur = conn.cursor()
        cur.execute("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
        sums = {r[0].split(".")[-1]: r[1] for r in cur.fetchall()}
        conn.rollback()
    return sums


def test_every_subcommand_as_every_role(world, config_path, clean_db, _tables, monkeypatch):
    """Each leaf of the argparse tree (new ones included: a leaf without a sample fails), as every
    persona: refused with exit 4 and nothing written, or allowed (not 4, no traceback, not a usage error)."""
    import telco_console.cli as cli
    import telco_console.config as config_mod
    from telco_console.context import AppContext
    from telco_console.db.pool import Database
    from telco_console.reporting.output import Output
    from telco_console.services import auth

    users = world["users"]
    # in process and shared: one parser, one settings object and one pool for every run; the sign-in
    # (scrypt, tested in test_auth.py) returns the persona
    parser, config = build_parser(), config_mod.load_config(config_path)
    db = Database(config)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.setattr(config_mod, "load_config", lambda path=None: config)
    monkeypatch.setattr(cli, "make_context", lambda config, out, progress=True: AppContext(
        config, db, notify=out.warning, progress=False))
    monkeypatch.setattr(auth, "login", lambda ctx, name, password, sleep=None: users[name])
    monkeypatch.setattr(cli, "prepare_database", lambda ctx: None)
    monkeypatch.setenv("TELCO_CONFIG", str(config_path))
    monkeypatch.setenv("TELCO_NEW_PASSWORD", "walk-the-matrix-1")
    monkeypatch.setenv("TELCO_PASSWORD", PW)
    monkeypatch.setenv("TELCO_NO_PAGER", "1")
    for k in [k for k in os.environ if k.startswith("TELCO_DATABASE_")]:
        monkeypatch.delenv(k)

    def run(name, argv):
        os.environ["TELCO_USER"] = name
        out, err = io.StringIO(), io.StringIO()
        try:
            code = cli.run(list(argv), Output(out, err, colour=False))
        except SystemExit as exc:
            code = exc.code
        return code, out.getvalue() + err.getvalue()

    table = samples(world)
    problems = []
    walked = 0
    for path, leaf in leaves(parser):
        action = leaf._defaults["permission"]
        if action in permissions.LOCAL:
            continue
        if action not in table:
            problems.append(f"{' '.join(path)}: no sample argv in tests/test_permissions.py")
            continue
        for argv, target in table[action]:
            act = target if target in MATRIX else action
            tgt = None if target in MATRIX else target
            refused = [n for n, u in users.items() if expected_refusal(u, act, tgt)]
            allowed = [n for n in users if n not in refused]
            before = _checksums(clean_db, _tables)
            for name in refused:
                code, text = run(name, argv)
                walked += 1
                if code != 4:
                    problems.append(f"{' '.join(argv)} as {name}: expected exit 4, got {code}: {text.strip()[:200]}")
            after = _checksums(clean_db, _tables)
            changed = [t for t in before if before[t] != after[t]]
            if changed:
                problems.append(f"{' '.join(argv)}: a refusal wrote to {changed}")
            for name in allowed:
                code, text = run(name, argv)
                walked += 1
                if code in (2, 4) or "Traceback" in text:
                    problems.append(f"{' '.join(argv)} as {name}: expected to be allowed, got {code}: "
                                    f"{text.strip()[:200]}")
    db.close()
    assert problems == [], "\n".join(problems)
    assert walked > 500


def test_every_menu_item_is_the_matrix():
    """Every item names an action of the matrix and is shown to exactly the personas it allows (within
    its section's audience); each action's service refuses or allows as in the subcommand walk above."""
    from telco_console.ui.menus import load_sections, sections_for

    users = {name: User(i, name, role, region, 100 + i if number else None)
             for i, (name, (role, region, number)) in enumerate(PERSONAS.items())}
    for section in load_sections():
        for item in section.items:
            assert item.action in MATRIX, f"{section.title}: {item.label} names no action of the matrix"
    for name, user in users.items():
        shown = {(s.title, i.label) for s in sections_for(user) for i in s.visible_items(user)}
        expect = {(s.title, i.label) for s in load_sections() for i in s.items
                  if str(user.role) in s.roles and permissions.allowed(user, i.action)}
        assert shown == expect, name
    titles = {n: {s.title for s in sections_for(u)} for n, u in users.items()}
    assert titles["nora"] == {"My account", "Analytics and reports"}
    nora = users["nora"]
    assert {i.action for s in sections_for(nora) for i in s.visible_items(nora)} == {
        "account.view", "bill.list", "bill.show", "bill.statement", "enquiry.add", "enquiry.list",
        "report.my-usage", "report.my-calls"}
    assert "Backups" in titles["boss"] and "Backups" not in titles["zadmin"]
    zadmin = {i.label for s in sections_for(users["zadmin"]) for i in s.visible_items(users["zadmin"])}
    assert {"Add a customer", "Add an account", "Adjust a bill"} <= zadmin
    assert not {"Add a plan", "Run the monthly bills", "Audit log", "Declare a region"} & zadmin


@pytest.fixture
def script(monkeypatch):
    from telco_console.ui import prompts

    answers: list = []
    offered: list = []

    def ask(message, parse=None, default="", required=True, **kw):
        text = answers.pop(0)
        if not str(text).strip():
            return None
        return parse(text) if parse else text

    def choose(message, choices, default=None, **kw):
        offered.append(list(choices))
        return answers.pop(0)

    monkeypatch.setattr(prompts, "ask", ask)
    monkeypatch.setattr(prompts, "ask_new_password", lambda name, **kw: PW)
    monkeypatch.setattr(prompts, "choose", choose)
    monkeypatch.setattr(prompts, "confirm", lambda message, default=False, **kw: answers.pop(0))
    return answers, offered


def test_the_add_account_menu_offers_what_the_actor_may_add(ctx, world, script):
    from telco_console.reporting.output import Output
    from telco_console.repositories.base import fetch_all
    from telco_console.ui.app import Console, run_action
    from telco_console.ui.menus import admin

    answers, offered = script
    users = world["users"]

    def run_as(name, *typed):
        buf = io.StringIO()
        answers[:] = list(typed)
        run_action(Console(ctx.with_user(users[name]), Output(buf, buf, colour=False)), admin.add_user)
        assert answers == []
        return buf.getvalue()

    text = run_as("northboss", "nadmin2", "admin")               # no region asked: its own
    assert offered[-1] == ["admin", "analyst", "staff", "customer"]
    assert "added admin account nadmin2 of region North" in text
    text = run_as("zadmin", "nclerk2", "staff")
    assert offered[-1] == ["analyst", "staff", "customer"] and "of region North" in text
    text = run_as("boss", "scot", "regional", "Scotlnd", False)  # a misspelt region, not declared
    assert "there is no region 'Scotlnd'" in text
    text = run_as("boss", "scot", "regional", "Scotland", True)  # declared on purpose
    assert offered[-1] == ["admin", "regional", "analyst", "staff", "customer"]
    assert "added regional account scot" in text
    rows = ctx.db.run(lambda conn: fetch_all(conn, "SELECT username, role, region FROM staff_users WHERE"
                                                   " username IN ('nadmin2', 'nclerk2', 'scot') ORDER BY username"))
    assert [(r["username"], r["role"], r["region"]) for r in rows] == [
        ("nadmin2", "admin", "North"), ("nclerk2", "staff", "North"), ("scot", "regional", "Scotland")]
