"""Prompt helpers over questionary: every answer is checked by a parser that raises
ValidationError, the prompt re-asks with the reason, and Ctrl-C raises Cancelled.

An answer is checked when it is submitted (Enter), never on every keystroke: some checks ask the
database. A default is never typed into the answer for the user to erase: it is shown as a hint
("Enter: csv") and an empty answer takes it. Yes/no questions are questionary confirms (one key)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import questionary
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.styles import Style

from telco_console.errors import TelcoError, ValidationError
from telco_console.errors import digits as _digits

STYLE = Style([("qmark", "fg:#5f87ff bold"), ("question", "bold"), ("answer", "fg:#00af87 bold"),
               ("instruction", "fg:#808080")])
SEARCH_WORDS = ("?", "search")


class Cancelled(Exception):
    """The user pressed Ctrl-C (or Esc) at a prompt."""


def _validator(parse: Callable[[str], Any] | None, required: bool, default: str = ""):
    def check(text: str):
        if not text.strip():
            if default:
                text = default
            else:
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


def _hint(default: str) -> str | None:
    return f"(Enter: {default})" if default else None


def ask(message: str, parse: Callable[[str], Any] | None = None, default: str = "",
        required: bool = True, **kwargs) -> Any:
    """Ask for text; returns parse(text) (or the text), None for an empty optional answer.
    `default` is what an empty answer means; it is shown as a hint, not typed in."""
    default = "" if default is None else str(default)
    kwargs.setdefault("validate_while_typing", False)
    hints = [h for h in (kwargs.pop("instruction", None), _hint(default)) if h]
    answer = questionary.text(message, validate=_validator(parse, required, default), style=STYLE,
                              instruction=" ".join(hints) or None, **kwargs).ask()
    if answer is None:
        raise Cancelled()
    if not answer.strip():
        answer = default
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

    kwargs.setdefault("validate_while_typing", False)
    while True:
        first = questionary.password("New password:", validate=_validator(strong, True), style=STYLE,
                                     **kwargs).ask()
        if first is None:
            raise Cancelled()
        again = ask_password("Again:", **{k: v for k, v in kwargs.items() if k != "validate_while_typing"})
        if again == first:
            return first
        questionary.print("The two passwords differ; try again.", style="fg:ansired")


def choose(message: str, choices: Sequence[str], default: str | None = None, **kwargs) -> str:
    """Pick one of a few values by number or name (typed, so it works in any terminal).
    Enter takes the default, shown as a hint."""
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
    """A yes/no question answered with one key (y or n); Enter takes the default."""
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
        if (create_folder and str(Path(path).parent) == create_folder and not Path(create_folder).exists()
                and Path(path).suffix):
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


# -- finding a customer at an MSISDN prompt ---------------------------------------------------------

class CustomerCompleter(Completer):
    """Tab completes a typed number (any form) or part of a name to the MSISDNs of matching
    customers. It asks the database only when completion is requested (Tab), at most `limit` rows."""

    def __init__(self, find: Callable[[str], list[dict]]):
        self.find = find

    def get_completions(self, document, complete_event):
        text = document.text_before_cursor.strip()
        if not text or text.lower().startswith(SEARCH_WORDS):
            return
        try:
            rows = self.find(text)
        except TelcoError:
            return
        for r in rows:
            yield Completion(r["msisdn"], start_position=-len(document.text_before_cursor),
                             display=f"{r['msisdn']}  {r['name']}", display_meta=r["region"])


def _search_text(answer: str) -> str | None:
    """The search words of a search answer ('?ann', '? 0791', 'search', 'search ann'), else None."""
    t = answer.strip()
    if t.startswith("?"):
        return t[1:].strip()
    if t.lower() == "search" or t.lower().startswith("search "):
        return t[6:].strip()
    return None


@dataclass(frozen=True)
class _Search:
    words: str


def ask_customer(console, message: str = "Customer MSISDN:", parse: Callable[[str], Any] | None = None,
                 required: bool = True, **kwargs) -> Any:
    """An MSISDN prompt that helps find the customer: Tab completes a number or a name, and an
    answer of `?words` (or `search`) lists up to 10 matching customers to pick from by number.
    Returns parse(msisdn) (default: the E.164 number), None for an empty optional answer."""
    from telco_console.phone import normalise_msisdn
    from telco_console.services import customers

    ctx = console.ctx
    parse = parse or (lambda t: normalise_msisdn(t, ctx.region))

    def checked(text: str):
        words = _search_text(text)
        return _Search(words) if words is not None else parse(text)

    hint = "Tab completes; ?name searches"
    while True:
        answer = ask(message, checked, required=required,
                     completer=CustomerCompleter(lambda t: customers.find_customers(ctx, t)),
                     complete_while_typing=False, instruction=f"({hint})", **kwargs)
        if not isinstance(answer, _Search):
            return answer
        words = answer.words
        if not words:
            words = ask("Search for (part of a name or number):")
        found = customers.find_customers(ctx, words)
        if not found:
            console.out.warning(f"no customer matches '{words}'")
            continue
        console.out.write(f"Customers matching '{words}'" + (" (the first 10)" if len(found) == 10 else "") + ":")
        for i, r in enumerate(found, 1):
            console.out.write(f"  {i:>2}) {r['msisdn']}  {r['name']}  ({r['region']}, {r['status']})")
        console.out.write("   0) search again")

        def pick(text: str, found=found) -> int:
            t = text.strip()
            if not _digits(t) or not 0 <= int(t) <= len(found):
                raise ValidationError(f"type a number from 0 to {len(found)}")
            return int(t)

        n = ask("Which customer?", pick)
        if n:
            try:
                return parse(found[n - 1]["msisdn"])
            except TelcoError as exc:
                console.out.error(str(exc))
