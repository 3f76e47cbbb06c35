"""The layering rules, read from every module's imports (ast, nothing is run):
- nothing above db/ imports the driver (mysql.connector): db/ turns its errors into errors.py's;
- services/, repositories/, reporting/ and db/ never import the faces (ui/, cli/);
- ui/ does not import cli/ (what both need lives in startup.py, services/ or reporting/);
- the faces call no private (_name) helper of services/ or repositories/."""
from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "telco_console"


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"), str(path))


MODULES = list(_modules())


def _imports(tree, module: str):
    """(line, imported module, imported name or None) for every import, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".")[: -node.level] if not module.endswith("__init__") else module.split(".")
                base = ".".join(pkg + ([base] if base else []))
            for a in node.names:
                yield node.lineno, base, a.name


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def test_the_walk_sees_every_layer():
    layers = {_layer(m) for m, _, _ in MODULES}
    assert {"ui", "cli", "services", "repositories", "db", "reporting"} <= layers
    assert sum(1 for _ in MODULES) > 50


def test_only_db_imports_the_driver():
    found = [f"{m}:{line} imports {name}" for m, _, tree in MODULES if _layer(m) != "db"
             for line, name, _ in _imports(tree, m) if name == "mysql" or name.startswith("mysql.")]
    assert found == []


def test_lower_layers_never_import_the_faces():
    found = [f"{m}:{line} imports {name}" for m, _, tree in MODULES
             if _layer(m) in ("services", "repositories", "reporting", "db")
             for line, name, _ in _imports(tree, m)
             if name.startswith(("telco_console.ui", "telco_console.cli"))]
    assert found == []


def test_ui_does_not_import_cli():
    found = [f"{m}:{line} imports {name}" for m, _, tree in MODULES if _layer(m) == "ui"
             for line, name, _ in _imports(tree, m) if name.startswith("telco_console.cli")]
    assert found == []


def test_the_faces_call_no_private_helper_of_services_or_repositories():
    found = []
    lower = ("telco_console.services", "telco_console.repositories")
    for m, _, tree in MODULES:
        if _layer(m) not in ("ui", "cli"):
            continue
        aliases = set()
        for line, name, what in _imports(tree, m):
            if not name.startswith(lower):
                continue
            if what is None:
                continue
            if what.startswith("_"):
                found.append(f"{m}:{line} imports {name}.{what}")
            elif _is_module(f"{name}.{what}"):
                aliases.add(what)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith(lower):
                        aliases.add(a.asname or a.name)
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.asname and a.name in aliases:
                        aliases.add(a.asname)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and ast.unparse(node.value) in aliases):
                found.append(f"{m}:{node.lineno} uses {ast.unparse(node)}")
    assert found == []


def test_the_rules_catch_a_violation(tmp_path):
    """The walk itself works: a module that breaks each rule is reported."""
    bad = ast.parse("import mysql.connector\nfrom telco_console.cli import run\n"
                    "from telco_console.services import auth\nfrom telco_console.services.auth import _hash\n"
                    "auth._check()\n")
    names = [(n, w) for _, n, w in _imports(bad, "telco_console.ui.x")]
    assert ("mysql.connector", None) in names and ("telco_console.cli", "run") in names
    assert ("telco_console.services.auth", "_hash") in names
    assert _is_module("telco_console.services.auth") and not _is_module("telco_console.services.nope")
