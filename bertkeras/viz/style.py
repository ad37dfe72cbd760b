"""Shared look of every bertkeras figure: colour-blind-friendly colours and a pyplot-free figure factory.

Figures are plain ``matplotlib.figure.Figure`` objects with an Agg canvas, never registered with
``pyplot``: nothing is drawn twice in a notebook, nothing leaks when a loop makes hundreds of them, and
they render the same on a headless CI machine. In Jupyter or Colab return the figure as the last value
of a cell (or call ``IPython.display.display(fig)``); elsewhere call ``fig.savefig("name.png")``.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe & Ito (2008): eight colours that stay distinct under the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SEQUENTIAL_CMAP = "viridis"  # attention weights, scores, counts: perceptually uniform, CVD-safe
DIVERGING_CMAP = "PuOr_r"  # signed values (embeddings): ColorBrewer's colour-blind-safe diverging map


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], squeeze: bool = False,
               **subplot_kw) -> tuple[Figure, object]:
    """A new Figure with an Agg canvas and an (nrows, ncols) array of axes (``squeeze=False`` by default).

    Example:
        >>> fig, axes = new_figure(2, 3, figsize=(6, 4))
        >>> axes.shape, len(fig.axes)
        ((2, 3), 6)
    """
    _enable_notebook_display()
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, **subplot_kw)
    return fig, axes


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for HTML fallbacks and notebook display).

    Example:
        >>> fig, _ = new_figure(figsize=(1, 1))
        >>> figure_png(fig)[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


_display_registered = False


def _enable_notebook_display() -> None:
    """Let IPython show a pyplot-free Figure as a PNG when it is a cell's value.

    matplotlib's inline backend registers this formatter only after ``pyplot`` is imported; a learner who
    only calls ``bertkeras.viz`` would otherwise see ``<Figure size ...>`` instead of the picture.
    """
    global _display_registered
    if _display_registered:
        return
    _display_registered = True
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: figures are saved, not displayed
        return
    shell = get_ipython()
    if shell is None:
        return
    png_formatter = shell.display_formatter.formatters["image/png"]
    try:
        png_formatter.lookup_by_type(Figure)  # already registered (pyplot imported, %matplotlib inline)
    except KeyError:
        png_formatter.for_type(Figure, figure_png)
