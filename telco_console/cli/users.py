"""`user add|list|disable|enable|password` and `region list|add`: accounts, roles and regions."""
from __future__ import annotations

import getpass
import os
import sys

from telco_console.cli import add_format, credentials_from_env_or_prompt, emit
from telco_console.context import ROLES
from telco_console.errors import ValidationError
from telco_console.reporting.report import Column, Report


def register(sub) -> None:
    p = sub.add_parser("user", help="staff accounts and roles")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("add", help="add an account (the very first needs no sign-in and must be an admin); "
                                  "password from TELCO_NEW_PASSWORD (the first account: TELCO_PASSWORD) or a prompt")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--region", help="the region of a regional manager, or of an admin, staff or analyst "
                                     "limited to one; it must exist (a customer's, or declared)")
    a.add_argument("--new-region", action="store_true", help="declare --region as a new region")
    a.add_argument("--msisdn", help="the number a customer account serves")
    a.set_defaults(func=cmd_add, auth=False, needs_db=True)
    a = ps.add_parser("list", help="list accounts")
    add_format(a)
    a.set_defaults(func=cmd_list)
    for name, text in (("disable", "disable an account"), ("enable", "enable an account (and unlock it)")):
        a = ps.add_parser(name, help=text)
        a.add_argument("name")
        a.set_defaults(func=cmd_enable if name == "enable" else cmd_disable)
    a = ps.add_parser("password", help="change a password (TELCO_NEW_PASSWORD or a prompt)")
    a.add_argument("name")
    a.set_defaults(func=cmd_password)

    p = sub.add_parser("region", help="regions (declared, or used by a customer)")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ps.add_parser("list", help="list the regions with their customers and accounts")
    add_format(a)
    a.set_defaults(func=cmd_region_list)
    a = ps.add_parser("add", help="declare a region before any customer is in it")
    a.add_argument("name")
    a.set_defaults(func=cmd_region_add)


def _new_password(bootstrap: bool = False) -> str:
    """TELCO_NEW_PASSWORD, or for the very first account TELCO_PASSWORD, or a prompt."""
    pw = os.environ.get("TELCO_NEW_PASSWORD")
    if pw is None and bootstrap:
        pw = os.environ.get("TELCO_PASSWORD")
    if pw is not None:
        return pw
    if not sys.stdin.isatty():
        raise ValidationError("set TELCO_NEW_PASSWORD for the new account (no terminal to ask on)")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise ValidationError("the two passwords differ")
    return first


def cmd_add(ctx, args, out) -> int:
    from telco_console.services import auth

    if auth.has_users(ctx):
        user, password = credentials_from_env_or_prompt(out)
        ctx = ctx.with_user(auth.login(ctx, user, password))
        created = auth.add_user(ctx, args.name, _new_password(), args.role, args.region, args.msisdn,
                                new_region=args.new_region)
    else:
        created = auth.add_user(ctx, args.name, _new_password(bootstrap=True), args.role, args.region,
                                args.msisdn, bootstrap=True, new_region=args.new_region)
    out.success(f"added {created.role} account {created.username}"
                + (f" of region {created.region}" if created.region else ""))
    return 0


def cmd_list(ctx, args, out) -> int:
    from telco_console.services import auth

    rows = auth.list_users(ctx)
    report = Report("Accounts", [Column("Username"), Column("Role"), Column("Region"), Column("MSISDN"),
                                 Column("Active"), Column("Failed logins", "int"), Column("Locked until"),
                                 Column("Last login")])
    for r in rows:
        report.rows.append([r["username"], r["role"], r["region"] or "", r["msisdn"] or "",
                            "yes" if r["active"] else "no", r["failed_attempts"],
                            str(r["locked_until"] or ""), str(r["last_login_at"] or "")])
    emit(out, report, args.format, args.output, ctx)
    return 0


def cmd_disable(ctx, args, out) -> int:
    from telco_console.services import auth

    auth.set_active(ctx, args.name, False)
    out.success(f"disabled {args.name}")
    return 0


def cmd_enable(ctx, args, out) -> int:
    from telco_console.services import auth

    auth.set_active(ctx, args.name, True)
    out.success(f"enabled {args.name}")
    return 0


def cmd_password(ctx, args, out) -> int:
    from telco_console.services import auth

    auth.change_password(ctx, args.name, _new_password())
    out.success(f"changed the password of {args.name}")
    return 0


def cmd_region_list(ctx, args, out) -> int:
    from telco_console.services import auth

    emit(out, auth.regions_report(ctx), args.format, args.output, ctx)
    return 0


def cmd_region_add(ctx, args, out) -> int:
    from telco_console.services import auth

    out.success(f"declared the region {auth.add_region(ctx, args.name)}")
    return 0
