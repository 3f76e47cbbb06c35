"""run_leases: named leases held by a committed row (one job at a time across every node)."""
from __future__ import annotations

from datetime import datetime

from telco_console.repositories.base import execute, fetch_one


def take(conn, name: str, holder: str, ttl_s: float) -> tuple[str, datetime]:
    """Take the lease for holder, or renew it if holder has it, unless another holder's lease has
    not expired. Returns (holder, expires_at) as they stand. `holder` is assigned first: later
    assignments of ON DUPLICATE KEY UPDATE see it, so expires_at moves only for the holder."""
    execute(conn, "INSERT INTO run_leases (name, holder, expires_at)"
                  " VALUES (%s, %s, NOW(3) + INTERVAL %s MICROSECOND)"
                  " ON DUPLICATE KEY UPDATE"
                  " holder = IF(holder = VALUES(holder) OR expires_at < NOW(3), VALUES(holder), holder),"
                  " expires_at = IF(holder = VALUES(holder), VALUES(expires_at), expires_at)",
            (name, holder, int(ttl_s * 1_000_000)))
    row = fetch_one(conn, "SELECT holder, expires_at FROM run_leases WHERE name = %s", (name,))
    return row["holder"], row["expires_at"]


def release(conn, name: str, holder: str) -> None:
    execute(conn, "DELETE FROM run_leases WHERE name = %s AND holder = %s", (name, holder))
