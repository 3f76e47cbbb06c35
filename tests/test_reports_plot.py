"""reporting/plot.py: every panel kind drawn to a PNG; clear errors when there is nothing to draw."""
from __future__ import annotations

import pytest

from telco_console.errors import ValidationError
from telco_console.reporting.plot import save
from telco_console.reporting.report import Bars, Column, Heatmap, Lines, Plot, Report


def test_every_panel_kind(tmp_path):
    r = Report("All kinds", [Column("x")], [["a"]])
    r.plot = Plot([
        Bars("bars", ["a", "b"], {"one": [1, 2], "two": [2, 1]}),
        Bars("stacked", ["a", "b"], {"one": [1, 2], "two": [2, 1]}, stacked=True, xlabel="hour", ylabel="records"),
        Bars("horizontal", ["+447911000001", "+447911000002"], {"n": [3, 1]}, horizontal=True),
        Lines("lines", [f"2026-{m:02d}" for m in range(1, 13)] + ["2027-01"],
              {"A": list(range(13)), "B": list(range(13, 0, -1))}),
        Heatmap("matrix", ["r1", "r2"], ["c1", "c2"], [[1.0, -1.0], [0.5, 0.0]], vmin=-1, vmax=1)])
    path = tmp_path / "sub" / "all.png"
    with pytest.raises(ValidationError, match="does not exist"):     # a missing folder is not created
        save(r, str(path))
    assert not path.parent.exists()
    path.parent.mkdir()
    assert save(r, str(path)) == str(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValidationError, match="already exists"):
        save(r, str(path))
    assert save(r, str(path), overwrite=True) == str(path)


def test_nothing_to_draw(tmp_path):
    empty = Report("Empty", [Column("x")])
    with pytest.raises(ValidationError, match="no data to plot"):
        save(empty, str(tmp_path / "e.png"))
    table_only = Report("Table", [Column("x")], [["a"]])
    with pytest.raises(ValidationError, match="no chart"):
        save(table_only, str(tmp_path / "t.png"))
    with pytest.raises(ValidationError, match=r"\.png"):
        save(table_only, str(tmp_path / "t.jpg"))
