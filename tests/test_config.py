from decimal import Decimal

import pytest

from telco_console.config import load_config
from telco_console.errors import ConfigError


def write(tmp_path, text):
    p = tmp_path / "c.ini"
    p.write_text(text)
    return p


def test_defaults_and_file_values(tmp_path):
    cfg = load_config(write(tmp_path, "[billing]\ntax_rate = 0.15\n"), environ={})
    assert cfg.get("billing", "tax_rate") == Decimal("0.15")
    assert cfg.get("billing", "due_days") == 14
    assert cfg.get("billing", "reminder_days") == [1, 7, 14]
    assert cfg["database"].mode == "managed"


def test_environment_overrides_the_file(tmp_path):
    cfg = load_config(write(tmp_path, "[ui]\npage_size = 30\n"), environ={"TELCO_UI_PAGE_SIZE": "40"})
    assert cfg.get("ui", "page_size") == 40
    assert cfg.sources[("ui", "page_size")] == "env"


def test_bad_value_names_file_section_and_key(tmp_path):
    p = write(tmp_path, "[billing]\ntax_rate = lots\n")
    with pytest.raises(ConfigError) as err:
        load_config(p, environ={})
    assert str(err.value) == f"{p} [billing] tax_rate: 'lots' is not a decimal number"


def test_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="environment variable TELCO_OPERATOR_TIMEZONE: 'Mars/Base'"):
        load_config(write(tmp_path, ""), environ={"TELCO_OPERATOR_TIMEZONE": "Mars/Base"})


def test_relative_paths_resolve_beside_the_file(tmp_path):
    cfg = load_config(write(tmp_path, "[database]\ndatadir = var/db\n"), environ={})
    assert cfg.get("database", "datadir") == tmp_path / "var" / "db"


def test_readable_password_warns_and_is_masked(tmp_path):
    p = write(tmp_path, "[database]\npassword = hunter22\n")
    p.chmod(0o644)
    cfg = load_config(p, environ={})
    assert any("chmod 600" in w for w in cfg.warnings)
    shown = {(s, k): v for s, k, v, _ in cfg.displayed()}
    assert shown[("database", "password")] == "********"
    p.chmod(0o600)
    assert not any("chmod" in w for w in load_config(p, environ={}).warnings)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.ini", environ={})
