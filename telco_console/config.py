"""Settings: config.ini with commented defaults, every key overridable by TELCO_<SECTION>_<KEY>."""
from __future__ import annotations

import configparser
import os
import stat
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telco_console.errors import ConfigError

# (section, key) -> (kind, default). The kinds are checked when the file is read, in this order.
# "path": relative to the settings file's folder; "datapath:SUB": the same, and empty means
# SUB inside [paths] data_dir.
SCHEMA: dict[tuple[str, str], tuple[str, str]] = {
    ("paths", "data_dir"): ("path", "var"),
    ("database", "mode"): ("choice:managed,external", "managed"),
    ("database", "datadir"): ("datapath:mysql", ""),
    ("database", "host"): ("str", "127.0.0.1"),
    ("database", "port"): ("port", "3407"),
    ("database", "socket"): ("str", ""),
    ("database", "user"): ("str", "telco"),
    ("database", "password"): ("secret", ""),
    ("database", "option_file"): ("str", ""),
    ("database", "name"): ("ident", "telco"),
    ("database", "pool_size"): ("int:1:32", "5"),
    ("database", "hosts"): ("str", ""),
    ("database", "read_hosts"): ("str", ""),
    ("database", "connect_timeout"): ("int:1:300", "5"),
    ("operator", "timezone"): ("timezone", "Europe/London"),
    ("operator", "default_region"): ("region", "GB"),
    ("operator", "currency"): ("str", "GBP"),
    ("operator", "minor_unit"): ("minor", "2"),
    ("operator", "decimal_separator"): ("choice:point,comma", "point"),
    ("billing", "tax_rate"): ("decimal:0:1", "0.20"),
    ("billing", "due_days"): ("int:0:365", "14"),
    ("billing", "work_memory_mb"): ("int:16:65536", "256"),
    ("billing", "reminder_days"): ("intlist", "1, 7, 14"),
    ("billing", "outbox"): ("datapath:outbox", ""),
    ("mail", "host"): ("str", ""),
    ("mail", "port"): ("port", "25"),
    ("mail", "sender"): ("str", "billing@telco.example"),
    ("mail", "starttls"): ("bool", "false"),
    ("mail", "user"): ("str", ""),
    ("mail", "password"): ("secret", ""),
    ("security", "max_failed_logins"): ("int:1:100", "5"),
    ("security", "lockout_minutes"): ("int:1:10080", "15"),
    ("ui", "page_size"): ("int:5:500", "20"),
    ("ui", "colour"): ("bool", "true"),
    ("analytics", "models_dir"): ("datapath:models", ""),
    ("analytics", "minibatch_threshold"): ("int:1:1000000000", "50000"),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def user_config_path(environ=None) -> Path:
    """$XDG_CONFIG_HOME/telco-console/config.ini (~/.config/telco-console/config.ini)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "telco-console" / "config.ini"


def user_data_dir(environ=None) -> Path:
    """$XDG_DATA_HOME/telco-console (~/.local/share/telco-console): the data folder when no
    settings file is in use."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "telco-console"


def default_config_path(environ=None) -> Path | None:
    """TELCO_CONFIG, else the user's config.ini when it exists, else None (built-in defaults).
    Never a file in the working directory or beside the installed package."""
    environ = os.environ if environ is None else environ
    if environ.get("TELCO_CONFIG"):
        return Path(environ["TELCO_CONFIG"])
    user = user_config_path(environ)
    return user if user.exists() else None


def default_config_text() -> str:
    """The commented default settings file shipped in the package (the repository's config.ini)."""
    from telco_console import resources

    return resources.default_config().read_text(encoding="utf-8")


@dataclass
class Config:
    """Typed settings. `get(section, key)` returns the converted value."""

    path: Path
    values: dict[tuple[str, str], object] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    builtin: bool = False       # no settings file: the package's defaults, data in user_data_dir()

    def get(self, section: str, key: str):
        return self.values[(section, key)]

    def __getitem__(self, item: str) -> _Section:
        return _Section(self, item)

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the settings start from."""
        return self.path.resolve().parent

    @property
    def data_dir(self) -> Path:
        """[paths] data_dir: the managed server's data, the outbox, models, rejects, history."""
        return self.values[("paths", "data_dir")]

    @property
    def rejects_dir(self) -> Path:
        return self.data_dir / "rejects"

    @property
    def shown_path(self) -> str:
        return "built-in defaults" if self.builtin else str(self.path)

    def with_overrides(self, **overrides) -> Config:
        """A copy with some values replaced, e.g. with_overrides(database__name='x')."""
        new = Config(self.path, dict(self.values), dict(self.sources), list(self.warnings), self.builtin)
        for k, v in overrides.items():
            section, key = k.split("__", 1)
            new.values[(section, key)] = v
        return new

    def displayed(self) -> list[tuple[str, str, str, str]]:
        """(section, key, value, source) with secrets masked, for `config show`."""
        rows = []
        for (section, key), (kind, _) in SCHEMA.items():
            value = self.values[(section, key)]
            if kind == "secret":
                value = "********" if value else ""
            elif isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            rows.append((section, key, str(value), self.sources[(section, key)]))
        return rows


class _Section:
    def __init__(self, config: Config, section: str):
        self._config, self._section = config, section

    def __getattr__(self, key: str):
        try:
            return self._config.values[(self._section, key)]
        except KeyError:
            raise AttributeError(f"no setting [{self._section}] {key}") from None


def _convert(kind: str, raw: str, where: str, base: Path, data_dir: Path | None = None):
    raw = raw.strip()
    name, _, arg = kind.partition(":")
    try:
        if name in ("str", "secret"):
            return raw
        if name == "datapath" and not raw:
            return data_dir / arg
        if name in ("path", "datapath"):
            p = Path(raw).expanduser()
            return p if p.is_absolute() else (base / p)
        if name == "choice":
            choices = arg.split(",")
            if raw.lower() not in choices:
                raise ValueError(f"must be one of {', '.join(choices)}")
            return raw.lower()
        if name == "int":
            lo, hi = (int(x) for x in arg.split(":"))
            v = int(raw)
            if not lo <= v <= hi:
                raise ValueError(f"must be between {lo} and {hi}")
            return v
        if name == "minor":
            # the money columns are DECIMAL(14,2): a 3- or 4-digit minor unit would be rounded
            # away when stored (docs/decisions.md 26)
            v = int(raw)
            if not 0 <= v <= 2:
                raise ValueError("is not supported: amounts are stored with 2 decimals, so the minor unit "
                                 "must be 0, 1 or 2")
            return v
        if name == "port":
            v = int(raw)
            if not 0 <= v <= 65535:
                raise ValueError("must be a port number 0-65535")
            return v
        if name == "decimal":
            lo, hi = (Decimal(x) for x in arg.split(":"))
            try:
                v = Decimal(raw)
            except InvalidOperation:
                raise ValueError("is not a decimal number") from None
            if not v.is_finite() or not lo <= v <= hi:
                raise ValueError(f"must be between {lo} and {hi}")
            return v
        if name == "bool":
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise ValueError("must be true or false")
        if name == "intlist":
            vals = [int(x) for x in raw.replace(" ", "").split(",") if x]
            if not vals or any(v < 0 for v in vals) or vals != sorted(set(vals)):
                raise ValueError("must be increasing whole numbers, comma separated")
            return vals
        if name == "timezone":
            try:
                ZoneInfo(raw)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError("is not a known time zone (e.g. Europe/London)") from None
            return raw
        if name == "region":
            import phonenumbers

            if raw.upper() not in phonenumbers.SUPPORTED_REGIONS:
                raise ValueError("is not a region code known to phonenumbers (e.g. GB, US, RU)")
            return raw.upper()
        if name == "ident":
            if not raw or not all(c.isalnum() or c == "_" for c in raw) or len(raw) > 64:
                raise ValueError("must be letters, digits and _ only")
            return raw
    except ValueError as exc:
        msg = str(exc)
        if msg.startswith("invalid literal"):
            msg = "is not a whole number"
        raise ConfigError(f"{where}: {raw!r} {msg}") from None
    raise AssertionError(kind)


def load_config(path: str | os.PathLike | None = None, environ: dict | None = None) -> Config:
    """Read the settings file, apply TELCO_<SECTION>_<KEY> overrides, check every value.

    The file is `path`, else TELCO_CONFIG, else the user's config.ini; with none of them, the
    package's default config.ini, with the data folder in user_data_dir()."""
    environ = os.environ if environ is None else environ
    explicit = path or environ.get("TELCO_CONFIG")
    cfg_path = Path(path) if path else default_config_path(environ)
    parser = configparser.ConfigParser(inline_comment_prefixes=(";", "#"), interpolation=None)
    if explicit and not cfg_path.exists():
        raise ConfigError(f"config file {cfg_path} does not exist")
    builtin = cfg_path is None
    try:
        if builtin:
            cfg_path = user_config_path(environ)
            parser.read_string(default_config_text(), source="the default config.ini")
        else:
            parser.read(cfg_path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"{cfg_path}: cannot be read: {str(exc).splitlines()[0]}") from None
    config = Config(cfg_path, builtin=builtin)
    base = user_data_dir(environ) if builtin else config.base_dir
    for section in parser.sections():
        for key in parser[section]:
            if (section, key) not in SCHEMA:
                config.warnings.append(f"{cfg_path} [{section}] {key}: unknown setting, ignored")
    for (section, key), (kind, default) in SCHEMA.items():
        env_name = f"TELCO_{section.upper()}_{key.upper()}"
        if env_name in environ:
            raw, where, src = environ[env_name], f"environment variable {env_name}", "env"
        elif parser.has_option(section, key) and not (builtin and (section, key) == ("paths", "data_dir")):
            raw, where, src = parser.get(section, key), f"{cfg_path} [{section}] {key}", "file"
        else:
            raw, where, src = default, f"default [{section}] {key}", "default"
        if builtin and (section, key) == ("paths", "data_dir") and src == "default":
            raw = "."                   # the user's data folder itself
        if builtin and src == "file":
            src = "default"
        config.values[(section, key)] = _convert(kind, raw, where, base, config.values.get(("paths", "data_dir")))
        config.sources[(section, key)] = src
    has_secret = any(config.sources[k] == "file" and config.values[k]
                     for k, (kind, _) in SCHEMA.items() if kind == "secret")
    if has_secret and not builtin and cfg_path.exists():
        mode = cfg_path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            config.warnings.append(
                f"{cfg_path} holds a password and can be read by other users: chmod 600 {cfg_path}")
    return config
