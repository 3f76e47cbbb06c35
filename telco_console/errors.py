"""The project's exceptions and the one place that maps each to an exit status."""
from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 1      # bad input or not found
EXIT_USAGE = 2          # command-line usage
EXIT_DB_UNAVAILABLE = 3   # the database cannot be reached, or failed a statement
EXIT_FORBIDDEN = 4


class TelcoError(Exception):
    """Base class: the message is shown to the user as one line."""

    exit_code = EXIT_BAD_INPUT


class ValidationError(TelcoError):
    """Input that breaks a rule; the message says which and why."""


class NotFoundError(TelcoError):
    """A customer, plan, bill, user... that does not exist."""


class DuplicateError(TelcoError):
    """A unique thing that already exists (the message names the existing one)."""


class ConfigError(TelcoError):
    """A bad setting: the message names file, section and key."""

    exit_code = EXIT_USAGE


class DatabaseUnavailable(TelcoError):
    """The database cannot be reached; the message carries a plain hint."""

    exit_code = EXIT_DB_UNAVAILABLE


class DatabaseError(TelcoError):
    """A statement the database server refused or failed (db/ makes it from the driver's error:
    nothing above db/ sees mysql.connector). `errno` is the server's error number."""

    exit_code = EXIT_DB_UNAVAILABLE

    def __init__(self, message: str, errno: int | None = None):
        super().__init__(message)
        self.errno = errno


class ServerError(TelcoError):
    """The managed server could not be installed, initialised, started or stopped."""

    exit_code = EXIT_DB_UNAVAILABLE


class AuthError(TelcoError):
    """Wrong username/password, or a locked/disabled account."""

    exit_code = EXIT_FORBIDDEN


class PermissionDenied(TelcoError):
    """The signed-in user's role does not allow the action."""

    exit_code = EXIT_FORBIDDEN


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, TelcoError):
        return exc.exit_code
    return EXIT_BAD_INPUT


def database_error_message(exc: BaseException) -> str:
    """What a user is told about a database error that has no plainer translation: its number,
    never the server's message (which may quote the SQL)."""
    errno = getattr(exc, "errno", None)
    head = f"database error {errno}" if isinstance(errno, int) and errno > 0 else "database error"
    return (f"{head}: the database refused the request; nothing was written. "
            "If it happens again, report it with the command you ran")


def digits(text: str, max_len: int = 18) -> bool:
    """True for plain ASCII digits 0-9, at most max_len of them: what int() may be given safely
    (str.isdigit() is also true for '¹' or '①', which int() refuses, and int() of thousands of
    digits raises)."""
    return isinstance(text, str) and 0 < len(text) <= max_len and text.isascii() and text.isdigit()
