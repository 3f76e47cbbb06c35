"""docs/reliability.md names the test behind each promise: every one named must exist."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.name.startswith("test_")}


def test_every_test_named_in_reliability_md_exists():
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("## Promises and their proofs"):]
    named = NAMED.findall(table)
    assert len(named) >= 40, "the promise table lost its tests"
    missing = []
    for file, name in named:
        path = ROOT / file
        if not path.is_file() or name not in _tests_in(path):
            missing.append(f"{file}::{name}")
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"


def test_every_row_of_the_promise_table_names_a_test():
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("## Promises and their proofs"):].split("\n\n")[1]
    for row in table.splitlines()[2:]:
        promise, proof = [c.strip() for c in row.strip("|").split("|")][:2]
        if promise.startswith("**"):          # a heading row
            continue
        assert NAMED.search(proof), f"no test named for: {promise}"
