"""An installed copy finds its migrations, default settings and data files wherever pip put it
(a --prefix or --target folder outside sys.prefix, as with pip --user), and runs from any folder.
.ci/run (scripts/check-install.sh) goes further: a fresh virtual environment with every
dependency, `db migrate` and a report."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from telco_console.config import load_config, user_config_path
from telco_console.services import settings

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

PROBE = """
import json, sys
import telco_console
from telco_console import resources
from telco_console.config import load_config
from telco_console.db import migrations
cfg = load_config(environ={"XDG_CONFIG_HOME": sys.argv[1] + "/cfg", "XDG_DATA_HOME": sys.argv[1] + "/data"})
print(json.dumps({"package": telco_console.__file__,
                  "migrations": [m.path.name for m in migrations.available()],
                  "checksums": [m.checksum for m in migrations.available()],
                  "config": resources.default_config().read_text(encoding="utf-8"),
                  "data_dir": str(cfg.data_dir), "datadir": str(cfg.get("database", "datadir")),
                  "builtin": cfg.builtin}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                          check=True, capture_output=True, text=True, cwd=out)
    assert "Warning" not in done.stdout + done.stderr      # a quiet build: no backend warnings
    return next(out.glob("telco_console-*.whl"))


def test_the_wheel_holds_every_migration_the_settings_and_the_data_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for sql in (ROOT / "sql" / "migrations").glob("*.sql"):
        assert f"telco_console/sql/migrations/{sql.name}" in names
    assert "telco_console/config.ini" in names
    for f in (ROOT / "telco_console" / "data").rglob("*") if (ROOT / "telco_console" / "data").is_dir() else ():
        if f.is_file() and "__pycache__" not in f.parts:
            assert f"telco_console/{f.relative_to(ROOT / 'telco_console').as_posix()}" in names
    assert not any(n.endswith(".data/data/share/telco-console/config.ini") for n in names)   # no data_files


@pytest.mark.parametrize("how", ["--prefix", "--target"])
def test_an_installed_copy_outside_sys_prefix_runs_from_another_folder(wheel, tmp_path, how):
    place = tmp_path / "installed"
    # --ignore-installed: pip would otherwise uninstall the copy this suite runs from
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", how, str(place),
                    str(wheel)],
                   check=True, capture_output=True)
    if how == "--prefix":
        site = Path(sysconfig.get_path("purelib", vars={"base": str(place), "platbase": str(place)}))
    else:
        site = place
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("TELCO_CONFIG", None)
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], cwd=elsewhere, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert Path(got["package"]).is_relative_to(site)
    assert got["migrations"] == sorted(p.name for p in (ROOT / "sql" / "migrations").glob("*.sql"))
    assert got["config"] == (ROOT / "config.ini").read_text(encoding="utf-8")
    assert got["builtin"] is True
    assert got["data_dir"] == str(tmp_path / "data" / "telco-console")
    assert got["datadir"] == str(tmp_path / "data" / "telco-console" / "mysql")
    assert list(elsewhere.iterdir()) == []


def test_paths_follow_the_settings_file_or_data_dir_never_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    conf = tmp_path / "etc" / "telco.ini"
    conf.parent.mkdir()
    conf.write_text("[paths]\ndata_dir = state\n")
    cfg = load_config(conf, environ={})
    assert cfg.data_dir == conf.parent / "state"
    assert cfg.get("database", "datadir") == conf.parent / "state" / "mysql"
    assert cfg.get("billing", "outbox") == conf.parent / "state" / "outbox"
    assert cfg.get("analytics", "models_dir") == conf.parent / "state" / "models"
    assert cfg.rejects_dir == conf.parent / "state" / "rejects"
    conf.write_text("[paths]\ndata_dir = /srv/telco\n[billing]\noutbox = mail\n")
    cfg = load_config(conf, environ={})
    assert cfg.get("database", "datadir") == Path("/srv/telco/mysql")
    assert cfg.get("billing", "outbox") == conf.parent / "mail"       # a set path: beside the file
    cfg = load_config(conf, environ={"TELCO_PATHS_DATA_DIR": "/data/x"})
    assert cfg.get("database", "datadir") == Path("/data/x/mysql")


def test_without_a_settings_file_the_defaults_keep_data_in_the_users_data_folder(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "c"), "XDG_DATA_HOME": str(tmp_path / "d")}
    cfg = load_config(environ=env)
    assert cfg.builtin and cfg.shown_path == "built-in defaults"
    assert cfg.data_dir == tmp_path / "d" / "telco-console"
    assert cfg.sources[("database", "mode")] == "default"
    user = user_config_path(env)
    user.parent.mkdir(parents=True)
    user.write_text("[ui]\npage_size = 50\n")
    cfg = load_config(environ=env)
    assert not cfg.builtin and cfg.path == user and cfg.get("ui", "page_size") == 50
    assert cfg.data_dir == user.parent / "var"


def test_a_missing_telco_config_file_is_an_error_not_the_defaults(tmp_path):
    from telco_console.errors import ConfigError

    with pytest.raises(ConfigError, match="does not exist"):
        load_config(environ={"TELCO_CONFIG": str(tmp_path / "nope.ini")})


def test_config_init_writes_the_defaults_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    path = settings.write_default_config()
    assert path == tmp_path / "c" / "telco-console" / "config.ini"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    cfg = load_config(environ=dict(os.environ))
    assert cfg.path == path and cfg.data_dir == tmp_path / "d" / "telco-console"   # the data stays put
    from telco_console.errors import ValidationError

    with pytest.raises(ValidationError, match="already exists"):
        settings.write_default_config()
    other = settings.write_default_config(tmp_path / "site.ini")
    assert load_config(other, environ={}).data_dir == tmp_path / "var"


def test_every_dependency_has_an_upper_bound_on_its_major_version():
    import configparser

    from packaging.requirements import Requirement

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    declared = [line for key in ("install_requires",) for line in cfg["options"][key].splitlines()]
    declared += cfg["options.extras_require"]["test"].splitlines()
    reqs = [Requirement(line) for line in declared if line.strip()]
    assert len(reqs) >= 15
    unbounded = [r.name for r in reqs if not any(s.operator in ("<", "<=", "~=", "==") for s in r.specifier)]
    assert unbounded == ["tzdata"]      # calendar-versioned time zone data: newer is always wanted
