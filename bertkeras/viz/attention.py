"""Static attention maps: one head as a heat map, and a layers x heads grid (the "model view").

Row ``i`` of a map is query token ``i``; column ``j`` is how much of its attention goes to key token
``j`` (each row sums to 1 after the softmax). Both axes carry the tokens. When the input holds two
segments, a dashed line marks the ``[SEP]`` boundary. Inputs: see :mod:`bertkeras.viz.inputs`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from bertkeras.viz.inputs import attention_stack, check_tokens, head_map, sentence_b_start
from bertkeras.viz.style import SEQUENTIAL_CMAP, new_figure


def attention_heatmap(
    attention,
    tokens: Sequence[str],
    *,
    layer: int | None = None,
    head: int | None = None,
    cmap: str = SEQUENTIAL_CMAP,
    annotate: bool = False,
    title: str | None = None,
    vmax: float | None = 1.0,
) -> Figure:
    """Heat map of one attention head with the tokens on both axes.

    Args:
        attention: a (query, key) map, (heads, q, k) with ``head``, or (layers, heads, q, k) / a list of
            per-layer (heads, q, k) arrays with ``layer`` and ``head``.
        tokens: one token string per position.
        layer: which layer (0-based), for a stacked input.
        head: which head (0-based), for a (heads, q, k) or stacked input.
        cmap: matplotlib colormap (default viridis: colour-blind friendly).
        annotate: write each weight in its cell (readable for up to ~12 tokens).
        title: figure title; default names the layer and head.
        vmax: the weight drawn brightest. The default 1.0 gives every map the same 0..1 scale, so maps drawn
            one after the other (a trained head and an untrained one) compare; ``None`` stretches the scale to
            this map's largest weight, which shows structure in a near-uniform map but makes it look as bright
            as a sharp one.

    Returns:
        The Figure: one heat-map axes and its colour bar.

    Example:
        >>> import numpy as np
        >>> tokens = ["[CLS]", "the", "cat", "[SEP]"]
        >>> attention = np.full((2, 3, 4, 4), 0.25)  # 2 layers, 3 heads
        >>> fig = attention_heatmap(attention, tokens, layer=1, head=2)
        >>> ax = fig.axes[0]
        >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_title()
        (['[CLS]', 'the', 'cat', '[SEP]'], 'layer 1, head 2')
        >>> ax.images[0].get_array().shape, ax.images[0].get_clim()
        ((4, 4), (0.0, 1.0))
    """
    weights = head_map(attention, layer, head)
    tokens = check_tokens(tokens, weights.shape)
    size = min(12.0, 2.5 + 0.35 * len(tokens))
    fig, axes = new_figure(figsize=(size + 1.2, size))
    ax = axes[0, 0]
    top = max(float(weights.max()), 1e-6) if vmax is None else float(vmax)
    image = ax.imshow(weights, cmap=cmap, vmin=0.0, vmax=top)
    _token_axes(ax, tokens, tokens)
    _mark_segments(ax, tokens)
    if annotate:
        threshold = 0.6 * top
        for (i, j), value in np.ndenumerate(weights):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="black" if value > threshold else "white")
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    if title is None:
        parts = [f"layer {layer}" if layer is not None else None, f"head {head}" if head is not None else None]
        title = ", ".join(p for p in parts if p) or "attention"
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.8, label="attention weight")
    return fig


def model_view(
    attention,
    tokens: Sequence[str],
    *,
    layers: Sequence[int] | None = None,
    heads: Sequence[int] | None = None,
    show_tokens: bool | None = None,
    cell_size: float = 1.3,
    cmap: str = SEQUENTIAL_CMAP,
) -> Figure:
    """A grid of small attention maps: one row per layer, one column per head.

    All maps share the colour scale 0..1 (one colour bar), so a sharp head (one bright cell per row) stands
    out from a broad one (an even wash). The tokens label the first column's rows and the last row's columns,
    and when the input holds two segments a dashed line in every map marks the ``[SEP]`` boundary.

    Args:
        attention: (layers, heads, q, k) or a list of per-layer (heads, q, k) arrays, for one example.
        tokens: one token per position.
        layers: which layers to show (default all).
        heads: which heads to show (default all).
        show_tokens: label the outer axes with the tokens (default: when there are at most 40).
        cell_size: inches per small map.
        cmap: matplotlib colormap.

    Returns:
        The Figure with ``len(layers) * len(heads)`` axes, row-major (layer, then head), then the colour bar's.

    Example:
        >>> import numpy as np
        >>> attention = [np.full((4, 5, 5), 0.2) for _ in range(2)]  # 2 layers x 4 heads
        >>> fig = model_view(attention, ["[CLS]", "a", "b", "c", "[SEP]"])
        >>> len(fig.axes), fig.axes[0].get_title(), fig.axes[0].get_ylabel(), fig.axes[-1].get_ylabel()
        (9, 'head 0', 'layer 0', 'attention weight')
    """
    stack = attention_stack(attention)
    tokens = check_tokens(tokens, stack.shape)
    layers = list(range(stack.shape[0])) if layers is None else [int(i) for i in layers]
    heads = list(range(stack.shape[1])) if heads is None else [int(i) for i in heads]
    for what, chosen, available in (("layer", layers, stack.shape[0]), ("head", heads, stack.shape[1])):
        bad = [i for i in chosen if not 0 <= i < available]
        if bad or not chosen:
            raise ValueError(f"{what}s {chosen} must be a non-empty list within 0..{available - 1} "
                             f"(attention shape {stack.shape})")
    show_tokens = len(tokens) <= 40 if show_tokens is None else show_tokens
    fontsize = 7 if len(tokens) <= 24 else 5
    margin = 1.0 + (0.09 * fontsize / 7 * max(len(t) for t in tokens) if show_tokens else 0.0)
    fig, axes = new_figure(len(layers), len(heads),
                           figsize=(cell_size * len(heads) + margin + 1.0, cell_size * len(layers) + margin))
    for row, layer in enumerate(layers):
        for col, head in enumerate(heads):
            ax = axes[row, col]
            image = ax.imshow(stack[layer, head], cmap=cmap, vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            _mark_segments(ax, tokens)
            if row == 0:
                ax.set_title(f"head {head}", fontsize=10)
            if col == 0:
                ax.set_ylabel(f"layer {layer}", fontsize=10)
            if show_tokens and col == 0:
                ax.set_yticks(range(len(tokens)), tokens, fontsize=fontsize)
            if show_tokens and row == len(layers) - 1:
                ax.set_xticks(range(len(tokens)), tokens, fontsize=fontsize, rotation=90)
    fig.colorbar(image, ax=list(axes.flat), shrink=0.8, label="attention weight")
    fig.suptitle("attention per layer and head (rows: query, columns: key; dashed: [SEP] boundary)", fontsize=11)
    return fig


def _token_axes(ax, x_tokens: Sequence[str], y_tokens: Sequence[str]) -> None:
    fontsize = 9 if len(x_tokens) <= 24 else 6
    ax.set_xticks(range(len(x_tokens)), x_tokens, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(len(y_tokens)), y_tokens, fontsize=fontsize)


def _mark_segments(ax, tokens: Sequence[str]) -> None:
    start = sentence_b_start(tokens)
    if start is not None:  # between the first [SEP] and segment B
        ax.axhline(start - 0.5, color="white", linestyle="--", linewidth=1)
        ax.axvline(start - 0.5, color="white", linestyle="--", linewidth=1)
