"""The typed commands of the intelligence prompt: text -> Command. A parser only (no I/O, no
database); services.intelligence.leads.run_command executes a Command.

    show top 5 leads by call volume
    show listings with most sms inquiries          (also: show top 3 listings with most sms inquiries)
    show customer activity summary for +919876543210
    help
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from telco_console.errors import ValidationError
from telco_console.errors import digits as _digits

MAX_TOP = 1000
DEFAULT_TOP = 10

COMMANDS = {
    "top-leads": "show top N leads by call volume",
    "listings-sms": "show [top N] listings with most sms inquiries",
    "activity": "show customer activity summary for PHONE",
    "help": "help",
    "quit": "quit (or exit)",
}

_TOP = r"(?:top\s+(?P<n>\S+)\s+)?"
_PATTERNS = [
    ("top-leads", re.compile(rf"^show\s+{_TOP}leads\s+by\s+(?:call\s+volume|calls|call\s+count)$")),
    ("top-leads", re.compile(rf"^show\s+{_TOP}most\s+contacted\s+leads$")),
    ("listings-sms", re.compile(rf"^show\s+{_TOP}listings\s+(?:with|by)\s+(?:the\s+)?most\s+sms\s+inquiries$")),
    ("listings-sms", re.compile(rf"^show\s+{_TOP}listings\s+by\s+sms(?:\s+inquiries)?$")),
    ("activity", re.compile(r"^show\s+(?:customer\s+)?activity(?:\s+summary)?\s+(?:for|of)\s+(?P<phone>.+)$")),
    ("help", re.compile(r"^(?:help|\?)$")),
    ("quit", re.compile(r"^(?:quit|exit|bye)$")),
]


@dataclass(frozen=True)
class Command:
    name: str                      # one of COMMANDS
    top: int | None = None
    phone: str | None = None       # as typed; the service normalises it to E.164
    args: dict = field(default_factory=dict)


def _top(text: str | None) -> int:
    if text is None:
        return DEFAULT_TOP
    if not _digits(text) or not 1 <= int(text) <= MAX_TOP:
        raise ValidationError(f"'top {text}': N must be a whole number from 1 to {MAX_TOP}")
    return int(text)


def parse(text: str) -> Command:
    """Parse one typed command; raises ValidationError with a hint for anything else."""
    raw = " ".join((text or "").split())
    if not raw:
        raise ValidationError("type a command, or help to list them")
    if len(raw) > 300:
        raise ValidationError("that command is too long (at most 300 characters)")
    low = raw.lower()
    for name, pattern in _PATTERNS:
        m = pattern.match(low)
        if not m:
            continue
        groups = m.groupdict()
        if name == "activity":
            # keep the phone number as typed (case and spacing do not matter for digits)
            phone = raw[m.start("phone"):].strip()
            return Command(name, phone=phone)
        if name in ("top-leads", "listings-sms"):
            return Command(name, top=_top(groups.get("n")))
        return Command(name)
    raise ValidationError(unknown_message(raw))


def unknown_message(raw: str) -> str:
    examples = [v for k, v in COMMANDS.items() if k not in ("help", "quit")]
    close = difflib.get_close_matches(raw.lower(), [e.lower() for e in examples], n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown command '{raw}'{hint} (type help to list the commands)"


def help_lines() -> list[tuple[str, str]]:
    return [
        ("show top 5 leads by call volume", "the leads with the most calls (with our customers)"),
        ("show listings with most sms inquiries", "listings ranked by SMS exchanged with their leads"),
        ("show customer activity summary for +919876543210",
         "calls, SMS, leads contacted and listings inquired for one number"),
        ("help", "this list"),
        ("quit", "leave the prompt (Ctrl-D too)"),
    ]
