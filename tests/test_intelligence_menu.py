"""The Customer intelligence menu in the real program (pexpect): the command prompt with help,
an unknown command, a report, history kept in a file, and quit back to the menu."""
from __future__ import annotations

import pytest

from helpers import make_plan, make_user

pytestmark = pytest.mark.e2e


def test_command_prompt_in_the_console(ctx, cli_env, config, tmp_path):
    from test_e2e import Session

    make_user(ctx, "ana", "analyst")
    make_plan(ctx)
    s = Session(cli_env, tmp_path)
    s.sign_in("ana", "correct-horse-9")
    s.pick("Customer intelligence")
    s.pick("Command prompt (leads, listings, activity)")
    s.answer("intelligence>", "help")
    s.expect("show customer activity summary for")
    s.answer("intelligence>", "show me the money")
    s.expect("unknown command 'show me the money'")
    s.answer("intelligence>", "show customer activity summary for +919876543210")
    s.expect("not our customer")
    s.answer("intelligence>", "quit")
    s.pick("Back")
    s.quit()
    history = (config.data_dir / "command_history").read_text()
    assert "show me the money" in history and "help" in history
