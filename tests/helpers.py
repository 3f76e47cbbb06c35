"""Builders for test data (through the services, as a user would)."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


RAM_PREFIX = "telco-test-"
RAM_NEEDED = 1 << 30        # free space a tmpfs needs for one more test server (it takes about 360 MB)


def ram_dir() -> Path | None:
    """A new folder in memory (tmpfs) for a private test server, or None to keep the server on disk.
    TELCO_TEST_RAMDIR names the tmpfs (default /dev/shm, where there is one); set to nothing
    (TELCO_TEST_RAMDIR=) it keeps test servers on disk. In memory the fsync of every commit and of
    every DDL statement (the emptying of tables before each test) costs nothing; a test server's
    data is thrown away at the end anyway, and a kill -9 of the server keeps what it wrote there as
    it would on disk (only the machine's crash would not). About 360 MB a server (its 256 MB redo
    log); a tmpfs with less than RAM_NEEDED free (a container's small /dev/shm) is not used. The
    folder is named after this process; one left by a run that was killed (its process gone) is
    removed here. The caller removes its own (shutil.rmtree) once the server has stopped."""
    base = os.environ.get("TELCO_TEST_RAMDIR", "/dev/shm")
    if not base or not os.path.isdir(base) or not os.access(base, os.W_OK):
        return None
    for old in Path(base).glob(f"{RAM_PREFIX}*"):
        try:
            os.kill(int(old.name[len(RAM_PREFIX):].split("-")[0]), 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except (ValueError, PermissionError):
            pass
    fs = os.statvfs(base)
    if fs.f_bavail * fs.f_frsize < RAM_NEEDED:
        return None
    return Path(tempfile.mkdtemp(prefix=f"{RAM_PREFIX}{os.getpid()}-", dir=base))


@contextmanager
def server_home(fallback: Path) -> Iterator[Path]:
    """The folder for a private test server's datadir: in memory (ram_dir) when there is a tmpfs,
    else `fallback`; the memory one is removed on leaving (stop the server first)."""
    ram = ram_dir()
    try:
        yield ram or fallback
    finally:
        if ram:
            shutil.rmtree(ram, ignore_errors=True)


def start_migrated(cfg):
    """Start the managed server a config describes and apply the migrations (as its owner)."""
    from telco_console.db import migrations
    from telco_console.db.pool import Database
    from telco_console.db.server import ManagedServer

    srv = ManagedServer(cfg)
    srv.start()
    owner = Database(cfg, owner=True)
    migrations.migrate(owner)
    owner.close()
    return srv
