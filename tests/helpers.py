"""Builders for test data (through the services, as a user would)."""
from __future__ import annotations

from telco_console.services import auth, customers, plans

DEFAULT_PLAN = dict(code="BASIC", name="Basic", monthly_fee="10.00", included_minutes=100, included_sms=100,
                    included_mb=1000, peak_rate="0.1000", offpeak_rate="0.0500", sms_rate="0.0500",
                    mb_rate="0.0100", increment_seconds=60)


def make_plan(ctx, **overrides) -> dict:
    values = dict(DEFAULT_PLAN)
    values.update(overrides)
    return plans.add_plan(ctx, **values)


def make_customer(ctx, msisdn: str = "+447911123456", name: str = "Ann Smith", plan: str = "BASIC",
                  region: str = "North", since: str = "2026-01-01", **kw) -> dict:
    return customers.add_customer(ctx, msisdn, name, plan, region, since=since, **kw)


def make_user(ctx, name: str, role: str, password: str = "correct-horse-9", **kw):
    from telco_console.repositories import users

    bootstrap = ctx.db.run(users.count) == 0 and role == "admin"
    if kw.get("region") and not bootstrap:
        kw.setdefault("new_region", True)       # tests name their regions freely
    return auth.add_user(ctx, name, password, role, bootstrap=bootstrap, **kw)


def free_port() -> int:
    """A loopback TCP port nobody listens on now (for a private test server)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
