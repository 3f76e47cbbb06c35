"""`demo load`: a realistic demo data set (plans, customers, calls, SMS, data sessions, accounts)."""
from __future__ import annotations

import sys

from telco_console.cli import credentials_from_env_or_prompt
from telco_console.cli.argtypes import whole


def register(sub) -> None:
    p = sub.add_parser("demo", help="demo data", description="Load a realistic, reproducible demo data set.")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    text = ("load plans, customers and their usage (calls, SMS, data sessions) ending yesterday, leads and "
            "listings whose numbers call and message the customers, and the "
            "accounts admin/analyst/staff (their passwords are printed once); needs an admin, except on an "
            "empty database")
    a = ps.add_parser("load", help=text, description=text)
    a.add_argument("--customers", type=whole(1, 1_000_000, "a number of customers"), default=1000, metavar="N",
                   help="how many customers (default 1000)")
    a.add_argument("--days", type=whole(1, 3_660, "a number of days"), default=30, metavar="D",
                   help="days of usage, up to yesterday (default 30)")
    a.add_argument("--seed", type=whole(0, 2 ** 32 - 1, "a seed"), default=42, metavar="S",
                   help="random seed: the same seed gives the same data (default 42)")
    a.add_argument("--if-empty", action="store_true",
                   help="do nothing when customers exist already (for `make run`)")
    a.set_defaults(func=cmd_load, auth=False, needs_db=True)


def cmd_load(ctx, args, out) -> int:
    from telco_console.repositories import users as users_repo
    from telco_console.services import auth, demo

    empty = demo.database_is_empty(ctx)
    if args.if_empty and not empty:
        out.info("demo load: customers exist already, nothing loaded")
        return 0
    bootstrap = empty and ctx.db.run(users_repo.count) == 0
    if not bootstrap:
        user, password = credentials_from_env_or_prompt(out)
        ctx = ctx.with_user(auth.login(ctx, user, password))
    bar = None
    if ctx.progress:
        from tqdm import tqdm

        bar = tqdm(total=args.customers, unit="customer", desc="demo load", file=sys.stderr, leave=False)
    try:
        result = demo.load_demo(ctx, args.customers, args.days, args.seed, bootstrap=bootstrap,
                                progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    out.success(f"loaded {result.customers:,} customers ({result.joined_in_period:,} joined during the period, "
                f"{result.closed:,} closed), {result.calls:,} calls, {result.sms:,} SMS and {result.data:,} data "
                f"sessions from {result.first_day} to {result.last_day}"
                + (f"; added {result.plans_added} plans" if result.plans_added else "")
                + (f"; {result.leads:,} leads on {result.listings:,} listings call and message them"
                   if result.leads else ""))
    if result.accounts:
        out.info("New accounts (the passwords are shown only this once: note them now):")
        for name, pw in result.accounts.items():
            out.info(f"  {name:<8} {pw}")
    return 0
