"""argparse type functions that bound every numeric argument before it is converted: a value
out of range is a usage error (exit 2) naming the argument, never a query with an absurd LIMIT."""
from __future__ import annotations

import argparse
import re

_WHOLE = re.compile(r"[+-]?[0-9]{1,15}", re.ASCII)


def whole(low: int, high: int, what: str = "a whole number"):
    """A type for a whole number from low to high (at most 15 digits are even looked at)."""

    def parse(text: str) -> int:
        raw = str(text).strip().replace("_", "") if len(text) <= 40 else text
        if not _WHOLE.fullmatch(raw):
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise argparse.ArgumentTypeError(f"'{shown}' is not {what}: give {low} to {high:,}")
        value = int(raw)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value:,} is out of range: give {low:,} to {high:,}")
        return value

    parse.__name__ = what
    return parse


# the bounds shared by the subcommands
PAGE = whole(1, 1_000_000, "a page number")
PAGE_SIZE = whole(1, 1_000, "a page size")
TOP = whole(1, 10_000, "a number of rows")
LIMIT = whole(1, 10_000, "a number of rows")
BATCH_SIZE = whole(1, 1_000_000, "a batch size")
MAX_REJECTS = whole(0, 100_000_000, "a number of rejected rows")
