"""Charts for slides: a Report's `plot` (reporting.report.Plot: Bars, Lines and Heatmap panels)
drawn with matplotlib (Agg, imported lazily)."""
from __future__ import annotations

import io

from telco_console.errors import ValidationError
from telco_console.reporting.files import check_output, write_private
from telco_console.reporting.report import Bars, Heatmap, Lines


def save(report, path: str, overwrite: bool = False) -> str:
    """Draw the report's chart to a PNG file (mode 600, in an existing folder; an existing file
    only with overwrite); ValidationError when the report has no chart."""
    if not str(path).lower().endswith(".png"):
        raise ValidationError(f"--plot needs a file name ending in .png, not '{path}'")
    check_output(path, overwrite)
    spec = report.plot
    if spec is None or not spec.panels:
        raise ValidationError(f"'{report.title}' has no chart to plot" if not report.is_empty()
                              else f"'{report.title}' has no data to plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = spec.panels
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 4.2 * len(panels)), squeeze=False)
    for ax, p in zip(axes[:, 0], panels):
        if isinstance(p, Heatmap):
            _heatmap(fig, ax, p)
        else:
            x = [str(v) for v in p.x]
            if isinstance(p, Lines):
                _lines(ax, p, x)
            else:
                _bars(ax, p, x)
            if len(p.series) > 1:
                ax.legend()
            if p.xlabel:
                ax.set_xlabel(p.xlabel)
            if p.ylabel:
                ax.set_ylabel(p.ylabel)
        ax.set_title(p.title)
    fig.suptitle(report.title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_private(path, buf.getvalue(), overwrite)
    return str(path)


def _heatmap(fig, ax, p: Heatmap) -> None:
    import numpy as np

    m = np.asarray(p.matrix, dtype=float)
    im = ax.imshow(m, aspect="auto", cmap="viridis", vmin=p.vmin, vmax=p.vmax)
    ax.set_xticks(range(len(p.cols)), p.cols, rotation=45 if len(p.cols) < 12 else 0, fontsize=8)
    ax.set_yticks(range(len(p.rows)), p.rows, fontsize=8)
    fig.colorbar(im, ax=ax)


def _lines(ax, p: Lines, x: list[str]) -> None:
    import numpy as np

    for name, vals in p.series.items():
        ax.plot(x, vals, marker="o", label=name)
    if len(x) > 12:
        ax.set_xticks(np.arange(len(x))[:: max(1, len(x) // 12)])


def _bars(ax, p: Bars, x: list[str]) -> None:
    import numpy as np

    pos = np.arange(len(x))
    if p.horizontal:
        width = 0.8 / max(1, len(p.series))
        for i, (name, vals) in enumerate(p.series.items()):
            ax.barh(pos + i * width, vals, height=width, label=name)
        ax.set_yticks(pos, x, fontsize=8)
        ax.invert_yaxis()
        return
    width = 0.8 if p.stacked else 0.8 / max(1, len(p.series))
    bottom = np.zeros(len(x))
    for i, (name, vals) in enumerate(p.series.items()):
        vals = np.asarray(vals, dtype=float)
        if p.stacked:
            ax.bar(pos, vals, width, bottom=bottom, label=name)
            bottom += vals
        else:
            ax.bar(pos + i * width, vals, width, label=name)
    ax.set_xticks(pos, x, rotation=45 if len(x) > 8 and max(len(v) for v in x) > 3 else 0, fontsize=8)
