"""`python -m bench --scale N`: every benchmark in bench/ (ingest, reports, billing, analytics,
and any other module with run()), one PrettyTable, and bench/results/<date>.json.

Each figure stands next to its floor measured in the same run (raw LOAD DATA, the raw SQL
aggregate, scikit-learn alone) and the ratio. A module that is missing or fails is reported
in one line and the others still run. `make bench SCALE=10000000` for ten million records.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", "-n", type=int, default=1_000_000,
                    help="usage records per benchmark (default 1,000,000); benches counting customers "
                         "get records / records-per-customer")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run only these bench modules")
    ap.add_argument("--workdir", help="where to write generated files (default: a temporary directory)")
    ap.add_argument("--no-json", action="store_true", help="do not write bench/results/<date>.json")
    args = ap.parse_args(argv)
    if args.scale < 1000:
        ap.error("--scale must be at least 1000")
    present, missing = common.discover()
    if args.only:
        unknown = [m for m in args.only if m not in present and m not in missing]
        if unknown:
            ap.error(f"no bench module {', '.join(unknown)} (have: {', '.join(present)})")
        missing = [m for m in missing if m in args.only]
        present = [m for m in present if m in args.only]
    started = datetime.now(UTC)
    result = {"date": started.isoformat(timespec="seconds"), "scale": args.scale, "machine": common.machine(),
              "note": "2 shared cores: figures are under contention from other work on the machine",
              "figures": [], "skipped": {}}
    for name in missing:
        print(f"bench/{name}.py is missing: skipped", file=sys.stderr)
        result["skipped"][name] = "missing"
    for name in present:
        mod = importlib.import_module(f"bench.{name}")
        if not hasattr(mod, "run"):
            if name in common.EXPECTED:
                print(f"bench/{name}.py has no run(scale, workdir): skipped", file=sys.stderr)
                result["skipped"][name] = "no run()"
            continue
        scale = common.scale_for(name, args.scale)
        print(f"running bench/{name}.py at scale {scale:,}...", file=sys.stderr, flush=True)
        workdir = Path(args.workdir or tempfile.mkdtemp(prefix=f"bench-{name}-")) / name
        workdir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        try:
            figures = mod.run(scale, workdir)
        except Exception as exc:  # one failing bench must not lose the others' figures
            print(f"bench/{name}.py failed: {exc.__class__.__name__}: {exc}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            result["skipped"][name] = f"failed: {exc}"
            continue
        took = time.perf_counter() - t0
        for f in figures:
            result["figures"].append({"bench": name, "scale": scale, **f})
        print(f"bench/{name}.py done in {took:,.0f} s", file=sys.stderr, flush=True)
    print(common.table(result["figures"]))
    for name, why in result["skipped"].items():
        print(f"{name}: {why}")
    if not args.no_json:
        path = common.write_json(result, started)
        print(f"wrote {path}", file=sys.stderr)
    return 0 if result["figures"] else 1


if __name__ == "__main__":
    sys.exit(main())
