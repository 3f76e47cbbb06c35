"""Prompt helpers over questionary: every answer is checked by a parser that raises
ValidationError, the prompt re-asks with the reason, and Ctrl-C raises Cancelled."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import questionary
from prompt_toolkit.styles import Style

from telco_console.errors import TelcoError, ValidationError

STYLE = Style([("qmark", "fg:#5f87ff bold"), ("question", "bold"), ("answer", "fg:#00af87 bold")])


class Cancelled(Exception):
    """The user pressed Ctrl-C (or Esc) at a prompt."""


def _validator(parse: Callable[[str], Any] | None, required: bool):
    def check(text: str):
        if not text.strip():
            return True if not required else "an answer is required (Ctrl-C to go back)"
        if parse is None:
            return True
        try:
            parse(text)
        except TelcoError as exc:
            return str(exc)
        except (ValueError, ArithmeticError) as exc:
            return f"not valid: {exc}"
        return True
    return check


def ask(message: str, parse: Callable[[str], Any] | None = None, default: str = "",
        required: bool = True, **kwargs) -> Any:
    """Ask for text; returns parse(text) (or the text), None for an empty optional answer."""
    answer = questionary.text(message, default=default, validate=_validator(parse, required),
                              style=STYLE, **kwargs).ask()
    if answer is None:
        raise Cancelled()
    if not answer.strip():
        return None
    return parse(answer) if parse else answer.strip()


def ask_password(message: str = "Password:", **kwargs) -> str:
    answer = questionary.password(message, style=STYLE, **kwargs).ask()
    if answer is None:
        raise Cancelled()
    return answer


def ask_new_password(username: str = "", **kwargs) -> str:
    from telco_console.security import check_password_strength

    def strong(text: str) -> str:
        reason = check_password_strength(text, username)
        if reason:
            raise ValidationError(reason)
        return text

    while True:
        first = questionary.password("New password:", validate=_validator(strong, True), style=STYLE,
                                     **kwargs).ask()
        if first is None:
            raise Cancelled()
        again = ask_password("Again:", **kwargs)
        if again == first:
            return first
        questionary.print("The two passwords differ; try again.", style="fg:ansired")


def choose(message: str, choices: Sequence[str], default: str | None = None, **kwargs) -> str:
    """Pick one of a few values by number or name (typed, so it works in any terminal)."""
    numbered = {str(i): c for i, c in enumerate(choices, 1)}
    listing = ", ".join(f"{i}) {c}" for i, c in numbered.items())

    def parse(text: str) -> str:
        t = text.strip()
        if t in numbered:
            return numbered[t]
        for c in choices:
            if c.lower() == t.lower():
                return c
        raise ValidationError(f"choose one of: {listing}")

    return ask(f"{message} [{listing}]", parse, default=default or "", **kwargs)


def confirm(message: str, default: bool = False, **kwargs) -> bool:
    answer = questionary.confirm(message, default=default, style=STYLE, **kwargs).ask()
    if answer is None:
        raise Cancelled()
    return answer


def say(text: str, style: str | None = None) -> None:
    questionary.print(text, style=style)


def ask_output_file(message: str, default: str = "", suffix: str | None = None, required: bool = True,
                    create_folder: str | None = None, **kwargs) -> str | None:
    """Ask for a file to write: a folder, a missing folder or a wrong suffix re-asks with the
    reason; an existing file is replaced only after a yes. `create_folder` names the one folder
    (the default exports folder) that may be created when missing."""
    from pathlib import Path

    from telco_console.reporting.files import check_output

    def parse(text: str) -> str:
        path = text.strip()
        if suffix and not path.lower().endswith(suffix):
            raise ValidationError(f"the file name must end in {suffix}")
        if create_folder and str(Path(path).parent) == create_folder and not Path(create_folder).exists():
            if Path(path).suffix:
                return path
        check_output(path, overwrite=True)
        return path

    while True:
        path = ask(message, parse, default=default, required=required, **kwargs)
        if path is None:
            return None
        if create_folder and str(Path(path).parent) == create_folder:
            Path(create_folder).mkdir(parents=True, exist_ok=True)
        if Path(path).exists() and not confirm(f"{path} exists. Replace it?", default=False, **kwargs):
            continue
        return path
