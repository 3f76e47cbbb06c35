"""The entry point: the menu and the CLI start without the heavy libraries."""
import subprocess
import sys

from telco_console.app import main

HEAVY = ("numpy", "sklearn", "matplotlib", "pandas", "scipy")


def test_menu_and_cli_import_no_heavy_modules():
    code = ("import sys\n"
            "import telco_console.cli, telco_console.ui.app\n"
            "from telco_console.cli import build_parser\n"
            "from telco_console.ui.menus import load_sections\n"
            "build_parser(); load_sections()\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == ""


def test_version_and_help_exit_0(capsys):
    import pytest

    for argv in (["--version"], ["--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
    assert "telco-console" in capsys.readouterr().out
