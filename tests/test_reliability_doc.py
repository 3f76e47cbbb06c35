"""docs/reliability.md's Guarantees name the test behind each promise: every test named must exist,
and every promise names one."""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
FILE_THEN_NAMES = re.compile(r"`(tests/[\w/]+\.py)`\s*\(([^)]*)\)")


def _guarantees() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## Guarantees"):]


@functools.cache
def _tests_in(path: Path) -> set[str]:
    """The test functions a file defines (each file parsed once, however many tests it names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.name.startswith("test_")}


def test_every_test_named_in_reliability_md_exists():
    text = _guarantees()
    named = NAMED.findall(text)
    for file, names in FILE_THEN_NAMES.findall(text):       # `tests/x.py` (`test_a`, `test_b`)
        named += [(file, n) for n in re.findall(r"`(test_\w+)`", names)]
    assert len(named) >= 60, "the guarantees lost their tests"
    missing = [f"{f}::{n}" for f, n in named if not (ROOT / f).is_file() or n not in _tests_in(ROOT / f)]
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"


def test_every_promise_names_a_test():
    bullets = re.split(r"\n- ", _guarantees())[1:]
    for bullet in bullets:
        assert "`tests/" in bullet, f"no test named for: {bullet[:100]}"
