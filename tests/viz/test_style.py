"""bertkeras.viz.style: pyplot-free Agg figures, PNG export, and display in IPython."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb

from bertkeras.viz import style


def test_new_figure_is_agg_and_not_registered_with_pyplot():
    before = plt.get_fignums()
    fig, axes = style.new_figure(2, 2, figsize=(3, 3))
    assert isinstance(fig.canvas, FigureCanvasAgg)
    assert axes.shape == (2, 2) and len(fig.axes) == 4
    assert plt.get_fignums() == before  # no pyplot figure: nothing shown twice, nothing leaked
    png = style.figure_png(fig)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_palette_is_eight_distinct_colours():
    assert len({to_rgb(c) for c in style.OKABE_ITO}) == 8


def test_figures_display_as_png_in_ipython(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    monkeypatch.setattr(style, "_display_registered", False)
    fig, _ = style.new_figure(figsize=(1, 1))
    data, _ = shell.display_formatter.format(fig)
    assert data["image/png"].startswith(b"\x89PNG")
