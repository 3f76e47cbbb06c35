"""ui/prompts.py with real keystrokes: defaults are hints that Enter accepts (never text to erase),
answers are checked on Enter only, yes/no is one key, and a customer prompt finds customers by
number or name."""
from __future__ import annotations

import io

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from helpers import make_customer, make_plan
from telco_console.errors import ValidationError
from telco_console.reporting.output import Output
from telco_console.ui import prompts
from telco_console.ui.app import Console
from typed_input import CTRL_C, Raw, typing


def test_choose_by_number_with_a_default_shown_not_typed():
    with typing("2", "", "JSON", "4", "3") as keys:
        assert prompts.choose("Format", ["csv", "json", "html"], default="csv") == "json"
        assert prompts.choose("Format", ["csv", "json", "html"], default="csv") == "csv"
        assert prompts.choose("Format", ["csv", "json", "html"], default="csv") == "json"
        assert prompts.choose("Format", ["csv", "json", "html"], default="csv") == "html"
    assert keys.refused == ["choose one of: 1) csv, 2) json, 3) html"]
    assert keys.asked[0] == "Format [1) csv, 2) json, 3) html]"


def test_text_default_is_what_enter_means():
    with typing("", "other.csv", ""):
        assert prompts.ask("File", default="exports/a.csv") == "exports/a.csv"
        assert prompts.ask("File", default="exports/a.csv") == "other.csv"
        assert prompts.ask("Note (optional):", required=False) is None


def test_confirm_is_one_key():
    with typing(True, False, Raw("\r"), Raw("\r")):
        assert prompts.confirm("Answered?", default=True) is True
        assert prompts.confirm("Answered?", default=True) is False
        assert prompts.confirm("Answered?", default=True) is True        # Enter takes the default
        assert prompts.confirm("Save?", default=False) is False


def test_answers_are_checked_on_enter_not_per_keystroke():
    calls: list[str] = []

    def parse(text: str) -> int:
        calls.append(text)
        if not text.isdigit():
            raise ValidationError("digits only")
        return int(text)

    with typing("12a", "1234567") as keys:
        assert prompts.ask("Number:", parse) == 1234567
    assert keys.refused == ["digits only"]
    assert calls == ["12a", "1234567", "1234567"]      # checked at each Enter, then parsed once


def test_ctrl_c_cancels():
    with typing(CTRL_C):
        try:
            prompts.ask("Anything:")
        except prompts.Cancelled:
            pass
        else:
            raise AssertionError("Ctrl-C did not cancel")


def _console(ctx):
    buf = io.StringIO()
    return Console(ctx, Output(buf, buf, colour=False)), buf


def _customers(ctx):
    make_plan(ctx)
    make_customer(ctx, "07911123456", name="Ann Smith", region="North")
    make_customer(ctx, "07911000002", name="Bob Annan", region="South")
    make_customer(ctx, "07400123999", name="Carol Jones", region="South")


def test_customer_search_answer_lists_matches_to_pick(ctx, as_role):
    _customers(ctx)
    console, buf = _console(as_role("staff"))
    with typing("?ann", "3", "1") as keys:
        assert prompts.ask_customer(console) == "+447911000002"
    assert keys.refused == ["type a number from 0 to 2"]
    out = buf.getvalue()
    assert "1) +447911000002  Bob Annan" in out and "2) +447911123456  Ann Smith" in out
    assert "Carol" not in out
    # `search` asks for the words; a national prefix finds by number; 0 searches again
    with typing("search", "0740", "0", "?nobody", "?carol", "1"):
        assert prompts.ask_customer(console) == "+447400123999"
    assert "no customer matches 'nobody'" in buf.getvalue()


def test_customer_search_keeps_a_regional_manager_in_region(ctx, as_role):
    _customers(ctx)
    console, buf = _console(as_role("regional", region="South"))
    with typing("?07911", "1"):
        assert prompts.ask_customer(console) == "+447911000002"
    assert "Ann Smith" not in buf.getvalue()


def test_tab_completion_by_number_or_name(ctx, as_role):
    from telco_console.services import customers

    _customers(ctx)
    staff = as_role("staff")
    asked: list[str] = []

    def find(text):
        asked.append(text)
        return customers.find_customers(staff, text)

    completer = prompts.CustomerCompleter(find)

    def complete(text):
        return [(c.text, c.display_text) for c in
                completer.get_completions(Document(text), CompleteEvent(completion_requested=True))]

    assert complete("07911") == [("+447911000002", "+447911000002  Bob Annan"),
                                 ("+447911123456", "+447911123456  Ann Smith")]
    assert complete("+44740") == [("+447400123999", "+447400123999  Carol Jones")]
    assert complete("jones") == [("+447400123999", "+447400123999  Carol Jones")]
    assert complete("?ann") == [] and complete("") == []
    assert asked == ["07911", "+44740", "jones"]          # one query per request, none for a search answer


def test_editing_a_customer_enter_keeps_each_value(ctx):
    from telco_console.services import customers
    from telco_console.ui.app import run_action
    from telco_console.ui.menus import admin

    make_plan(ctx)
    make_customer(ctx, "07911123456", name="Ann Smith", region="North", handset="Pixel 7")
    console, buf = _console(ctx)
    # name kept, region changed, handset cleared, e-mail and since kept
    with typing("07911123456", "", "South", "", "-", "", "2", "") as keys:
        run_action(console, admin.edit_customer)
    assert keys.refused == [], buf.getvalue()
    c = customers.get_customer(ctx, "+447911123456")
    assert (c["name"], c["region"], c["plan_code"], c["handset"], c["status"]) == (
        "Ann Smith", "South", "BASIC", None, "suspended")
