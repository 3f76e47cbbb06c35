"""A named lease held in run_leases: one run of a job at a time over the whole database, on one
server or on any node of a Galera cluster (whose GET_LOCK is local to one node). Taking it is a
committed write, retried by Database.run on a certification conflict; it expires after ttl_s
unless renewed, so a run that died frees it; keep() renews it while the run works."""
from __future__ import annotations

import os
import secrets
import socket
import time

from telco_console.errors import DatabaseUnavailable
from telco_console.repositories import leases as leases_repo


class Lease:
    def __init__(self, ctx, name: str, ttl_s: float = 120.0):
        self.ctx, self.name, self.ttl_s = ctx, name, ttl_s
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._renewed = 0.0

    def acquire(self, wait_s: float, what: str) -> None:
        """Take the lease, waiting up to wait_s seconds for another holder's to end or expire."""
        deadline = time.monotonic() + wait_s
        delay = 0.2
        while True:
            holder, until = self.ctx.db.run(leases_repo.take, self.name, self.holder, self.ttl_s)
            if holder == self.holder:
                self._renewed = time.monotonic()
                return
            if time.monotonic() >= deadline:
                raise DatabaseUnavailable(f"another {what} holds its lease (until {until:%Y-%m-%d %H:%M:%S}); "
                                          f"waited {wait_s:g} s: try again later")
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 2.0)

    def keep(self) -> bool:
        """Renew the lease when a third of its time has passed; False if it was lost (it expired
        and another run took it)."""
        if time.monotonic() - self._renewed < self.ttl_s / 3:
            return True
        holder, _ = self.ctx.db.run(leases_repo.take, self.name, self.holder, self.ttl_s)
        self._renewed = time.monotonic()
        return holder == self.holder

    def release(self) -> None:
        self.ctx.db.run(leases_repo.release, self.name, self.holder)
