"""The typed command parser: the three commands, help, quit, and bad commands."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telco_console.errors import ValidationError
from telco_console.services.intelligence.command_prompt import DEFAULT_TOP, Command, parse


@pytest.mark.parametrize("text, expected", [
    ("show top 5 leads by call volume", Command("top-leads", top=5)),
    ("  SHOW   Top 12 Leads BY call volume ", Command("top-leads", top=12)),
    ("show leads by call volume", Command("top-leads", top=DEFAULT_TOP)),
    ("show most contacted leads", Command("top-leads", top=DEFAULT_TOP)),
    ("show listings with most sms inquiries", Command("listings-sms", top=DEFAULT_TOP)),
    ("show top 3 listings with the most SMS inquiries", Command("listings-sms", top=3)),
    ("show customer activity summary for +919876543210", Command("activity", phone="+919876543210")),
    ("show activity for 07911 123456", Command("activity", phone="07911 123456")),
    ("help", Command("help")), ("?", Command("help")), ("quit", Command("quit")), ("EXIT", Command("quit")),
])
def test_parses(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, message", [
    ("", "type a command"),
    ("show top 0 leads by call volume", "from 1 to"),
    ("show top five leads by call volume", "whole number"),
    ("show top 5 leads by volume", "unknown command"),
    ("delete all leads", "unknown command 'delete all leads'"),
    ("show customer activity summary for", "unknown command"),
    ("x" * 301, "too long"),
])
def test_bad_commands(text, message):
    with pytest.raises(ValidationError, match=message):
        parse(text)


def test_unknown_suggests_the_nearest_command():
    with pytest.raises(ValidationError) as err:
        parse("show top 5 leads by call volumes")
    assert "did you mean 'show top n leads by call volume'" in str(err.value)
    assert "type help" in str(err.value)


@given(st.text(max_size=80))
def test_never_crashes(text):
    try:
        cmd = parse(text)
    except ValidationError:
        return
    assert cmd.name in ("top-leads", "listings-sms", "activity", "help", "quit")
