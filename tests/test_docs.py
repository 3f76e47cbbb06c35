"""The documentation and the program agree, as sqlite-utils' docs test does: every subcommand that
--help lists is named in the README or docs/, every flag a documented command line uses exists,
no doc cites a file the repository does not have, decision numbers are unique, and the README
stays a guide of at most 300 lines."""
from __future__ import annotations

import argparse
import functools
import re
from pathlib import Path

import pytest

from telco_console.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEXT = {p: p.read_text(encoding="utf-8") for p in DOCS}
ALL = "\n".join(TEXT.values()).replace("\\|", "|")


def _children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings}


def _subtree_options(parser) -> set[str]:
    found = set(_options(parser))
    for child in _children(parser).values():
        found |= _subtree_options(child)
    return found


def _commands() -> list[tuple[str, ...]]:
    paths = []
    for name, parser in _children(build_parser()).items():
        paths.append((name,))
        paths += [(name, sub) for sub in _children(parser)]
    return paths


def _named(path: tuple[str, ...]) -> bool:
    if len(path) == 1:
        return re.search(rf"telco-console {re.escape(path[0])}\b|`{re.escape(path[0])}[ `]", ALL) is not None
    first, second = map(re.escape, path)
    # "db rollups", or a group such as `bill run|list|show`; a report by its name in the catalogues
    found = re.search(rf"\b{first} {second}\b|`{first} [^`\n]*\b{second}\b[^`\n]*`", ALL)
    return found is not None or (path[0] == "report" and re.search(rf"`{second}[ `]", ALL) is not None)


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_every_subcommand_is_named_in_the_readme_or_docs(path):
    assert _named(path), f"`telco-console {' '.join(path)}` is in --help but in no doc"


def _command_lines() -> list[tuple[str, str]]:
    """(doc, text after `telco-console`) for every command line in a code block or inline code."""
    found = []
    for path, text in TEXT.items():
        in_code, previous = False, None
        for line in text.splitlines():
            if line.lstrip().startswith("```"):
                in_code, previous = not in_code, None
                continue
            if in_code:
                if previous is not None and (previous.endswith("\\") or re.match(r"\s+[\[-]", line)):
                    found[-1] = (found[-1][0], found[-1][1].rstrip("\\") + " " + line.strip())
                elif "telco-console " in line:
                    found.append((path.name, line.split("telco-console ", 1)[1]))
                else:
                    previous = None
                    continue
                previous = line
                continue
            for code in re.findall(r"`([^`]*telco-console [^`]*)`", line):
                found.append((path.name, code.split("telco-console ", 1)[1]))
    return found


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """The program's argument parser, built once (60 ms a build; only read here)."""
    return build_parser()


def _flags_ok(words: list[str]) -> list[str]:
    """Flags in `words` (a command line) that its command does not accept."""
    root = _parser()
    chain, parser = [root], root
    bad = []
    for word in words:
        word = word.strip("[]()'\"")
        if word.startswith("#"):
            break
        if word.startswith("-") and len(word) > 1 and not word[1:2].isdigit():
            flag = word.split("=", 1)[0]
            allowed = set().union(*(_options(p) for p in chain)) | _subtree_options(parser)
            if flag not in allowed:
                bad.append(flag)
            continue
        kids = _children(parser)
        name = word.split("|", 1)[0]
        if name in kids:
            parser = kids[name]
            chain.append(parser)
    return bad


def test_every_documented_flag_exists():
    lines = _command_lines()
    assert len(lines) > 40
    wrong = []
    for doc, line in lines:
        line = line.split(" # ", 1)[0]
        pieces = line.split(" | ")
        words = pieces[0].split()
        wrong += [f"{doc}: telco-console {pieces[0]}: {f}" for f in _flags_ok(words)]
        prefix = [w for w in words if not w.startswith("-")][:1]     # alternatives: `cmd a X | b Y`
        for alt in pieces[1:]:
            wrong += [f"{doc}: telco-console {' '.join(prefix)} {alt}: {f}"
                      for f in _flags_ok(prefix + alt.split())]
    assert wrong == []


def test_the_flag_check_catches_a_wrong_flag():
    assert _flags_ok(["bill", "run", "--period", "2026-10", "--dry-run"]) == []
    assert _flags_ok(["bill", "run", "--no-such-flag"]) == ["--no-such-flag"]
    assert _flags_ok(["report", "usage-summary", "--by", "calls"]) == ["--by"]
    assert _flags_ok(["--config=x.ini", "config", "show"]) == []


REPO_PATH = re.compile(r"(?<![\w./~-])((?:telco_console|tests|sql|scripts|bench|docs|\.ci)/[\w./-]*\w"
                       r"|[A-Z][A-Za-z_]*\.md|(?:config\.ini|setup\.cfg|setup\.py|pyproject\.toml|MANIFEST\.in|main\.py))")


def test_no_doc_cites_a_file_the_repository_does_not_have():
    missing = []
    for path, text in TEXT.items():
        for link in re.findall(r"\]\(([^)#\s]+)\)", text):
            if not link.startswith(("http://", "https://")) and not (path.parent / link).exists():
                missing.append(f"{path.name}: {link}")
        for cited in REPO_PATH.findall(text):
            if any(ch in cited for ch in "*<>") or re.search(r"NNN|YYYY|NAME", cited):
                continue
            if not (ROOT / cited).exists() and not (ROOT / "docs" / cited).exists():
                missing.append(f"{path.name}: {cited}")
    assert missing == []


def test_decision_numbers_are_unique():
    numbers = re.findall(r"^(\d+)\. \*\*", TEXT[ROOT / "docs" / "decisions.md"], flags=re.M)
    assert len(numbers) > 20
    assert sorted(n for n in set(numbers) if numbers.count(n) > 1) == []


def test_the_readme_is_a_guide_of_at_most_300_lines():
    readme = TEXT[ROOT / "README.md"]
    assert len(readme.splitlines()) <= 300
    for heading in ("## The two commands", "## Install from pip", "## An external database", "## Configuration"):
        assert heading in readme
