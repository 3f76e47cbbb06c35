"""Files the program writes for a person (exports, charts): the path is checked before any work
is done, an existing file is replaced only when asked, and the file is created with mode 600
(it holds customers' data) by writing a temporary file in the same folder and renaming it."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from telco_console.errors import ValidationError

MAX_PATH = 4096


def check_output(path: str, overwrite: bool = False, replace_hint: str = "add --overwrite to replace it") -> Path:
    """The path as a Path when a file may be written there; a ValidationError saying why not."""
    raw = str(path if path is not None else "")
    if not raw.strip():
        raise ValidationError("the file name is empty")
    if "\x00" in raw or len(raw) > MAX_PATH:
        raise ValidationError("that is not a usable file name")
    p = Path(raw).expanduser()
    try:
        is_dir = p.is_dir() or raw.endswith(("/", os.sep))
        parent = p.parent
        parent_ok = parent.is_dir()
        exists = os.path.lexists(p)
        regular = exists and (p.is_symlink() or stat.S_ISREG(os.lstat(p).st_mode))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"cannot use {raw}: {getattr(exc, 'strerror', None) or exc}") from None
    if is_dir:
        raise ValidationError(f"{raw} is a folder: give a file name, e.g. {p / 'report.csv'}")
    if not parent_ok:
        raise ValidationError(f"the folder {parent} does not exist: create it first")
    if exists and not regular:
        raise ValidationError(f"{raw} exists and is not a regular file")
    if exists and not overwrite:
        raise ValidationError(f"{raw} already exists: {replace_hint}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValidationError(f"cannot write in the folder {parent}: permission denied")
    return p


def write_private(path: str, data: str | bytes, overwrite: bool = False,
                  replace_hint: str = "add --overwrite to replace it") -> Path:
    """Write data to path with mode 600, all or nothing (a temporary file renamed into place)."""
    p = check_output(path, overwrite, replace_hint)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name[:40]}.", suffix=".partial", dir=str(p.parent))
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o600)
        if not overwrite and os.path.lexists(p):          # appeared meanwhile
            raise ValidationError(f"{path} already exists: {replace_hint}")
        os.replace(tmp, p)
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return p
