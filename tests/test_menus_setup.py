import io

from telco_console.reporting.output import Output
from telco_console.ui.app import Console
from telco_console.ui.menus import sections_for
from telco_console.ui.menus import setup as setup_menu
from typed_input import typing


def _console(ctx):
    out, err = io.StringIO(), io.StringIO()
    return Console(ctx, Output(out, err, colour=False)), out, err


def test_setup_section_is_for_admins_only():
    assert "Set-up" in [s.title for s in sections_for("admin")]
    assert "Set-up" not in [s.title for s in sections_for("analyst")]
    assert "Set-up" not in [s.title for s in sections_for("staff")]


def test_show_settings(ctx):
    console, out, _ = _console(ctx)
    setup_menu.show_settings(console)
    assert "page_size" in out.getvalue() and console.last_report.title.startswith("Settings")


def test_load_demo_from_the_menu(ctx, as_role):
    console, out, _ = _console(as_role("admin", username="boss"))
    console.ctx.progress = False
    with typing("12", "2", "", True) as keys:        # Enter takes the seed shown as the default
        setup_menu.load_demo(console)
    assert keys.asked[:2] == ["Customers:", "Days of usage (ending yesterday):"]
    text = out.getvalue()
    assert "loaded 12 customers" in text and "analyst" in text and "5 leads on 2 listings" in text
