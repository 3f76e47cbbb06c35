"""What the benchmark suite shares: finding the bench modules, the scale each one is given,
the machine description, and the table and JSON of the results.

A bench module is any bench/<name>.py (not starting with '_', not this file) with
`run(scale, workdir) -> list[dict]`; each dict has figure, value, unit, floor, ratio (ratio =
value / floor, so 1.0 means as fast as the floor for times, and the floor's share for rates).
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
# the modules the suite expects, in table order; any other bench module with run() follows
EXPECTED = ("ingest", "reports", "billing", "analytics")
NOT_MODULES = {"common", "__main__", "__init__"}


def scale_for(name: str, records: int) -> int:
    """`--scale` counts usage records; a bench that counts customers gets records / per-customer."""
    if name == "billing":
        try:
            per = importlib.import_module("bench.billing").RECORDS_PER_CUSTOMER
        except (ImportError, AttributeError):
            per = 50
        return max(100, records // per)
    if name == "analytics":
        return max(1000, records // 5)   # 1,000,000 records -> 200,000 customers to cluster
    if name == "console":
        return 1500                      # the figure: 1,500 demo customers, whatever the records
    return records


def discover() -> tuple[list[str], list[str]]:
    """(modules present in run order, expected modules missing)."""
    present = sorted(p.stem for p in BENCH_DIR.glob("*.py") if p.stem not in NOT_MODULES
                     and not p.stem.startswith("_"))
    ordered = [m for m in EXPECTED if m in present] + [m for m in present if m not in EXPECTED]
    return ordered, [m for m in EXPECTED if m not in present]


def machine() -> dict:
    info = {"host": platform.node(), "python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            info["memory_gb"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
        info["load_avg_at_start"] = os.getloadavg()[0]
    except OSError:
        pass
    try:
        out = subprocess.run(["mariadbd", "--version"], capture_output=True, text=True, timeout=10).stdout
        info["server"] = out.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def table(rows: list[dict]) -> str:
    from prettytable import PrettyTable

    t = PrettyTable(["Benchmark", "Figure", "Value", "Unit", "Floor", "Ratio"])
    t.align = "r"
    t.align["Benchmark"] = t.align["Figure"] = t.align["Unit"] = "l"
    for r in rows:
        t.add_row([r.get("bench", ""), r.get("figure", ""), _num(r.get("value")), r.get("unit", ""),
                   _num(r.get("floor")), _num(r.get("ratio"), 2)])
    return t.get_string()


def _num(v, places: int | None = None) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, (int, float)):
        if places is not None:
            return f"{v:,.{places}f}"
        if isinstance(v, int) or abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:,.3f}"
    return str(v)


def write_json(result: dict, when: datetime | None = None) -> Path:
    when = when or datetime.now(UTC)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{when.strftime('%Y-%m-%d')}.json"
    if path.exists():
        path = RESULTS_DIR / f"{when.strftime('%Y-%m-%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


# -- a throwaway database on a server named by a DSN (shared by the bench modules) ---------------
def server_from_dsn(dsn: str) -> dict:
    """mysql://user:password@host:port -> connection keywords."""
    from urllib.parse import unquote, urlparse

    u = urlparse(dsn)
    return dict(host=u.hostname or "127.0.0.1", port=u.port or 3306, user=unquote(u.username or "root"),
                password=unquote(u.password or ""))


def connect(server: dict, database: str | None = None):
    """An autocommit connection that may LOAD DATA LOCAL INFILE."""
    import mysql.connector

    kw = dict(server, collation="utf8mb4_general_ci", allow_local_infile=True, autocommit=True)
    if database:
        kw["database"] = database
    return mysql.connector.connect(**kw)


def write_config(path: Path, server: dict, name: str, extra: list[str] = ()) -> Path:
    """A config.ini (mode 600) for the console against that database; `extra` lines are appended."""
    lines = ["[database]", "mode = external", *(f"{k} = {v}" for k, v in server.items()), f"name = {name}",
             "pool_size = 4", "", "[operator]", "timezone = Europe/London", "default_region = GB",
             "currency = GBP", "", *extra]
    path.write_text("\n".join(lines))
    os.chmod(path, 0o600)
    return path


def create_scratch(server: dict, make_config) -> tuple:
    """A throwaway database `telco_bench_<hex>` with the migrations applied (owner account).
    make_config(name) writes the config file and returns its path. Returns (admin connection,
    database name, loaded config); drop_scratch() removes it."""
    import secrets

    from telco_console.config import load_config
    from telco_console.db import migrations
    from telco_console.db.pool import Database

    name = f"telco_bench_{secrets.token_hex(4)}"
    admin = connect(server)
    admin.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    try:
        config = load_config(make_config(name), environ={})
        owner = Database(config, owner=True)
        migrations.migrate(owner)
        owner.close()
    except BaseException:
        drop_scratch(admin, name)
        raise
    return admin, name, config


def drop_scratch(admin, name: str, keep: bool = False) -> None:
    if not keep:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    admin.close()


def print_results(rows: list[dict], as_json: bool, ratio_places: int = 2) -> None:
    """A standalone bench's figures: JSON with the load average, or a table of figure, value, unit,
    floor and ratio, then the load average at the end."""
    import json
    import os

    load = os.getloadavg()[0]
    if as_json:
        print(json.dumps({"load_avg": load, "results": rows}, indent=2))
        return
    from prettytable import PrettyTable

    t = PrettyTable(["figure", "value", "unit", "floor", "ratio"])
    for r in rows:
        t.add_row([r["figure"], f"{r['value']:,.2f}", r["unit"], f"{r['floor']:,.2f}",
                   f"{r['ratio']:.{ratio_places}f}" if r["ratio"] is not None else ""])
    print(t)
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores")
