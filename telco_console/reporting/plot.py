"""Charts for slides: a Report's `plot` description drawn with matplotlib (Agg, imported lazily).

report.plot = {"panels": [panel, ...]} where a panel is
  {"kind": "bar"|"barh"|"line", "title", "x": labels, "series": {name: values}, "stacked", "xlabel", "ylabel"}
  {"kind": "heatmap", "title", "rows": labels, "cols": labels, "matrix": [[...]], "vmin", "vmax"}"""
from __future__ import annotations

import io

from telco_console.errors import ValidationError
from telco_console.reporting.files import check_output, write_private


def save(report, path: str, overwrite: bool = False) -> str:
    """Draw the report's chart to a PNG file (mode 600, in an existing folder; an existing file
    only with overwrite); ValidationError when the report has no chart."""
    if not str(path).lower().endswith(".png"):
        raise ValidationError(f"--plot needs a file name ending in .png, not '{path}'")
    check_output(path, overwrite)
    spec = report.plot
    if not spec or not spec.get("panels"):
        raise ValidationError(f"'{report.title}' has no chart to plot" if not report.is_empty()
                              else f"'{report.title}' has no data to plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    panels = spec["panels"]
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 4.2 * len(panels)), squeeze=False)
    for ax, p in zip(axes[:, 0], panels):
        kind = p.get("kind", "bar")
        if kind == "heatmap":
            m = np.asarray(p["matrix"], dtype=float)
            im = ax.imshow(m, aspect="auto", cmap="viridis", vmin=p.get("vmin"), vmax=p.get("vmax"))
            ax.set_xticks(range(len(p["cols"])), p["cols"], rotation=45 if len(p["cols"]) < 12 else 0,
                          fontsize=8)
            ax.set_yticks(range(len(p["rows"])), p["rows"], fontsize=8)
            fig.colorbar(im, ax=ax)
        else:
            x = [str(v) for v in p["x"]]
            series = p["series"]
            pos = np.arange(len(x))
            if kind == "line":
                for name, vals in series.items():
                    ax.plot(x, vals, marker="o", label=name)
                if len(x) > 12:
                    ax.set_xticks(pos[:: max(1, len(x) // 12)])
            elif kind == "barh":
                width = 0.8 / max(1, len(series))
                for i, (name, vals) in enumerate(series.items()):
                    ax.barh(pos + i * width, vals, height=width, label=name)
                ax.set_yticks(pos, x, fontsize=8)
                ax.invert_yaxis()
            else:
                stacked = p.get("stacked")
                width = 0.8 if stacked else 0.8 / max(1, len(series))
                bottom = np.zeros(len(x))
                for i, (name, vals) in enumerate(series.items()):
                    vals = np.asarray(vals, dtype=float)
                    if stacked:
                        ax.bar(pos, vals, width, bottom=bottom, label=name)
                        bottom += vals
                    else:
                        ax.bar(pos + i * width, vals, width, label=name)
                ax.set_xticks(pos, x, rotation=45 if len(x) > 8 and max(len(v) for v in x) > 3 else 0,
                              fontsize=8)
            if len(series) > 1:
                ax.legend()
            if p.get("xlabel"):
                ax.set_xlabel(p["xlabel"])
            if p.get("ylabel"):
                ax.set_ylabel(p["ylabel"])
        ax.set_title(p.get("title", ""))
    fig.suptitle(report.title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_private(path, buf.getvalue(), overwrite)
    return str(path)
