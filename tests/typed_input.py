"""Real keystrokes for the console's prompts: every questionary prompt reads from a prompt_toolkit
pipe input (`create_pipe_input()`, output to `DummyOutput()`), so menu tests type what a person
would and the real prompts (validation on Enter, defaults, one-key confirms) answer.

    with typing("07911123456", "out", True) as keys:
        run_action(console, collection.log_call)
    keys.refused   # the reasons the prompts gave for refused answers, in order
    keys.asked     # the questions asked, in order

A text answer is typed after Ctrl-U (which clears what a refused answer left) and ends with Enter;
True/False press y/n at a confirm; CTRL_C is Ctrl-C. The pipe is closed after the answers, so a
prompt with nothing left to read fails the test (EOFError) instead of waiting; answers nobody read
fail it too."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field

import questionary
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input, typeahead
from prompt_toolkit.output import DummyOutput

from telco_console.ui import prompts

CTRL_C = "\x03"
CLEAR = "\x15"      # Ctrl-U: discard the line typed so far
TAB = "\t"


def keystrokes(answer) -> str:
    if answer is True:
        return CLEAR + "y"
    if answer is False:
        return CLEAR + "n"
    if answer == CTRL_C:
        return CTRL_C
    if isinstance(answer, Raw):
        return answer.text
    return CLEAR + str(answer) + "\r"


@dataclass(frozen=True)
class Raw:
    """Keys sent exactly as given (no Ctrl-U before, no Enter after)."""
    text: str


@dataclass
class Keys:
    asked: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@contextmanager
def typing(*answers):
    """Type the answers into the real prompts of whatever runs inside the block."""
    keys = Keys()
    real_validator, real_text, real_confirm = prompts._validator, questionary.text, questionary.confirm

    def watched_validator(*args, **kwargs):
        check = real_validator(*args, **kwargs)

        def watched(text):
            verdict = check(text)
            if verdict is not True:
                keys.refused.append(verdict)
            return verdict
        return watched

    def text(message, *args, **kwargs):
        keys.asked.append(message)
        return real_text(message, *args, **kwargs)

    def confirm(message, *args, **kwargs):
        keys.asked.append(message)
        return real_confirm(message, *args, **kwargs)

    with create_pipe_input() as inp:
        inp.send_text("".join(keystrokes(a) for a in answers))
        inp.close()
        prompts._validator, questionary.text, questionary.confirm = watched_validator, text, confirm
        try:
            with create_app_session(input=inp, output=DummyOutput()):
                yield keys
            left = "".join(k.data for k in typeahead.get_typeahead(inp))
            os.set_blocking(inp.pipe.read_fd, False)
            try:
                left += os.read(inp.pipe.read_fd, 65536).decode()
            except BlockingIOError:
                pass
            assert not left, f"typed but never read: {left!r}"
        finally:
            prompts._validator, questionary.text, questionary.confirm = real_validator, real_text, real_confirm
