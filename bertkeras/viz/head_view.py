"""The head view: lines from each token (left) to the tokens it attends to (right), one colour per head.

bertviz made this view popular but needs PyTorch. Here it comes twice:

* :func:`head_view_figure` draws it with matplotlib (a static picture: it shows on GitHub and in stored
  notebook outputs). ``query=i`` keeps only token ``i``'s lines, as if it were selected.
* :func:`head_view` returns a :class:`HeadView`, a small self-contained HTML + JavaScript view (no CDN,
  no widgets): choose the layer, switch heads on and off (double-click a head: only that one), hover a
  token to see only its lines, click to pin it, and restrict to one segment pair (A->B etc.). Jupyter,
  JupyterLab, VS Code and Colab run its script. Where scripts do not run (GitHub's notebook preview, an
  untrusted notebook, e-mail), the static picture embedded in the same HTML stays visible instead:
  the script hides it when it runs.

Line opacity is the attention weight, so a head that spreads its attention draws a faint fan and a sharp
head one dark line. A dashed line marks the ``[SEP]`` boundary between segments A and B.
"""

from __future__ import annotations

import base64
import html as html_lib
import itertools
import json
import pathlib
from collections.abc import Sequence

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bertkeras.files import atomic_write_text
from bertkeras.viz.head_view_script import SCRIPT
from bertkeras.viz.inputs import attention_stack, check_tokens, sentence_b_start
from bertkeras.viz.style import OKABE_ITO, figure_png, new_figure

SEGMENT_CHOICES = ("all", "a->a", "a->b", "b->a", "b->b")
_counter = itertools.count()


def head_view_figure(
    attention,
    tokens: Sequence[str],
    *,
    layer: int = 0,
    heads: Sequence[int] | None = None,
    query: int | None = None,
    segments: str = "all",
    min_weight: float = 0.01,
) -> Figure:
    """Static head view of one layer: a line from query token i (left) to key token j (right) per head.

    Args:
        attention: (layers, heads, q, k) or a list of per-layer (heads, q, k) arrays, for one example.
        tokens: one token per position.
        layer: which layer (0-based).
        heads: which heads (default all); head ``h`` is drawn in colour ``OKABE_ITO[h % 8]``.
        query: only the lines of this query token (the "selected" token), else all of them.
        segments: ``"all"`` or one of ``"a->a" "a->b" "b->a" "b->b"`` (queries in the first segment,
            keys in the second; needs two segments).
        min_weight: lines lighter than this are left out.

    Returns:
        The Figure: one axes holding one ``LineCollection`` per head (line alpha = attention weight) and
        the tokens as text, queries on the left and keys on the right.

    Example:
        >>> import numpy as np
        >>> attention = np.zeros((1, 2, 3, 3)); attention[0, 0] = np.eye(3); attention[0, 1, :, 0] = 1.0
        >>> fig = head_view_figure(attention, ["[CLS]", "hi", "[SEP]"])
        >>> ax = fig.axes[0]
        >>> [len(c.get_segments()) for c in ax.collections]  # head 0: i -> i, head 1: i -> [CLS]
        [3, 3]
        >>> [t.get_text() for t in ax.texts][:3]
        ['[CLS]', 'hi', '[SEP]']
    """
    stack = attention_stack(attention)
    tokens = check_tokens(tokens, stack.shape)
    heads = _check_heads(heads, stack.shape)
    if not 0 <= layer < stack.shape[0]:
        raise ValueError(f"layer={layer} is out of range: the attention has {stack.shape[0]} layers")
    n = len(tokens)
    if query is not None and not 0 <= query < n:
        raise ValueError(f"query={query} is out of range: there are {n} tokens")
    rows, cols = segment_positions(tokens, segments)
    if query is not None:
        rows = [query] if query in rows else []
    fig, axes = new_figure(figsize=(6.0, 1.0 + 0.32 * n))
    ax = axes[0, 0]
    for head in heads:
        pairs = [(i, j) for i in rows for j in cols if stack[layer, head, i, j] >= min_weight]
        colours = [to_rgba(OKABE_ITO[head % len(OKABE_ITO)], min(1.0, float(stack[layer, head, i, j])))
                   for i, j in pairs]
        ax.add_collection(LineCollection([[(0.0, i), (1.0, j)] for i, j in pairs], colors=colours,
                                         linewidths=2, label=f"head {head}"))
    for side, x, align in (("query", -0.05, "right"), ("key", 1.05, "left")):
        active = set(rows if side == "query" else cols)
        for i, token in enumerate(tokens):
            bold = side == "query" and i == query
            ax.text(x, i, token, ha=align, va="center", fontsize=9, fontweight="bold" if bold else "normal",
                    alpha=1.0 if i in active else 0.3)
    start = sentence_b_start(tokens)
    if start is not None:
        ax.plot([-0.6, -0.05], [start - 0.5] * 2, "k--", linewidth=0.8)
        ax.plot([1.05, 1.6], [start - 0.5] * 2, "k--", linewidth=0.8)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(n - 0.5, -0.5)
    ax.axis("off")
    handles = [Line2D([], [], color=OKABE_ITO[h % len(OKABE_ITO)], linewidth=2, label=f"head {h}") for h in heads]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(4, len(heads)), fontsize=9,
              frameon=False)
    ax.set_title(f"layer {layer}" + (f", token {query} ({tokens[query]!r})" if query is not None else ""),
                 fontsize=11)
    return fig


def segment_positions(tokens: Sequence[str], segments: str = "all") -> tuple[list[int], list[int]]:
    """Query and key positions shown for ``segments`` (``[PAD]`` positions are never shown).

    Example:
        >>> segment_positions(["[CLS]", "a", "[SEP]", "b", "[SEP]", "[PAD]"], "a->b")
        ([0, 1, 2], [3, 4])
    """
    if segments not in SEGMENT_CHOICES:
        raise ValueError(f"segments={segments!r} is not one of {SEGMENT_CHOICES}")
    real = [i for i, t in enumerate(tokens) if t != "[PAD]"]
    if segments == "all":
        return real, real
    start = sentence_b_start(tokens)
    if start is None:
        raise ValueError(f"segments={segments!r} needs two segments ([CLS] A [SEP] B [SEP]); these tokens "
                         f"have one: use segments='all'")
    part = {"a": [i for i in real if i < start], "b": [i for i in real if i >= start]}
    source, target = segments.split("->")
    return part[source], part[target]


class HeadView:
    """Self-contained interactive head view (HTML + inline JavaScript + a static PNG fallback).

    Shown by Jupyter / Colab through ``_repr_html_``; ``.html`` is the fragment, ``.save(path)`` writes a
    stand-alone page. Attention weights are stored rounded to 1/1000, for ``len(layers) * len(heads) *
    tokens**2`` numbers: keep the sentences short (tens of tokens) or pass fewer layers.
    """

    def __init__(self, stack: np.ndarray, tokens: list[str], layers: list[int], heads: list[int],
                 fallback_png: bytes | None):
        self.stack = stack
        self.tokens = tokens
        self.layers = layers
        self.heads = heads
        self.fallback_png = fallback_png
        self.element_id = f"bertkeras-head-view-{next(_counter)}"

    def data(self) -> dict:
        """The JSON payload the script draws: tokens, layer / head numbers, colours, weights in 1/1000."""
        weights = np.rint(self.stack[np.ix_(self.layers, self.heads)] * 1000).astype(int)  # (L', H', T, T)
        return {
            "tokens": self.tokens,
            "layers": self.layers,
            "heads": self.heads,
            "colors": [OKABE_ITO[h % len(OKABE_ITO)] for h in self.heads],
            "bStart": sentence_b_start(self.tokens),
            "weights": weights.reshape(len(self.layers), len(self.heads), -1).tolist(),
        }

    @property
    def html(self) -> str:
        payload = json.dumps(self.data(), separators=(",", ":")).replace("</", "<\\/")
        fallback = ""
        if self.fallback_png is not None:
            encoded = base64.b64encode(self.fallback_png).decode("ascii")
            fallback = (f'<div class="bkv-static"><img alt="head view of layer {self.layers[0]} (static picture)" '
                        f'src="data:image/png;base64,{encoded}"/><div style="font-size:small">Static picture: '
                        f'the interactive view needs JavaScript (Jupyter, Colab, a trusted notebook).</div></div>')
        return (f'<div id="{self.element_id}" class="bertkeras-head-view" style="font-family:sans-serif">'
                f"{fallback}<script>({SCRIPT})({json.dumps(self.element_id)}, {payload});"
                f"</script></div>")

    def _repr_html_(self) -> str:
        return self.html

    def save(self, path) -> pathlib.Path:
        """Write a stand-alone HTML page (atomically: a temporary file, then a rename)."""
        path = pathlib.Path(path)
        if not path.parent.is_dir():
            raise ValueError(f"cannot save the head view to {path}: folder {path.parent} does not exist; "
                             f"create it first")
        page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>bertkeras head view</title></head>"
                f"<body><p>{html_lib.escape(' '.join(self.tokens))}</p>{self.html}</body></html>\n")
        return atomic_write_text(path, page)

    def __repr__(self) -> str:
        return (f"HeadView(tokens={len(self.tokens)}, layers={self.layers}, heads={self.heads}; "
                f"display it in Jupyter or .save('view.html'))")


def head_view(
    attention,
    tokens: Sequence[str],
    *,
    layers: Sequence[int] | None = None,
    heads: Sequence[int] | None = None,
    fallback: bool = True,
) -> HeadView:
    """Interactive head view (HTML/JS) of one example, with a static picture for script-less viewers.

    Args:
        attention: (layers, heads, q, k) or a list of per-layer (heads, q, k) arrays, for one example.
        tokens: one token per position (``[PAD]`` positions are hidden).
        layers: layers offered in the view's layer menu (default all); the first is shown first.
        heads: heads shown (default all).
        fallback: embed the static :func:`head_view_figure` of the first layer as a PNG.

    Returns:
        A :class:`HeadView` (``_repr_html_``, ``.html``, ``.save(path)``).

    Example:
        >>> import numpy as np
        >>> view = head_view(np.full((2, 2, 3, 3), 1 / 3), ["[CLS]", "hi", "[SEP]"], fallback=False)
        >>> view.data()["weights"][1][0]
        [333, 333, 333, 333, 333, 333, 333, 333, 333]
        >>> "<script>" in view._repr_html_(), "https://" in view.html
        (True, False)
    """
    stack = attention_stack(attention)
    tokens = check_tokens(tokens, stack.shape)
    layers = list(range(stack.shape[0])) if layers is None else [int(i) for i in layers]
    bad = [i for i in layers if not 0 <= i < stack.shape[0]]
    if bad or not layers:
        raise ValueError(f"layers {layers} must be a non-empty list within 0..{stack.shape[0] - 1}")
    heads = _check_heads(heads, stack.shape)
    png = figure_png(head_view_figure(stack, tokens, layer=layers[0], heads=heads), dpi=80) if fallback else None
    return HeadView(stack, tokens, layers, heads, png)


def _check_heads(heads, shape) -> list[int]:
    heads = list(range(shape[1])) if heads is None else [int(h) for h in heads]
    bad = [h for h in heads if not 0 <= h < shape[1]]
    if bad or not heads:
        raise ValueError(f"heads {heads} must be a non-empty list within 0..{shape[1] - 1} (attention shape "
                         f"{tuple(shape)})")
    return heads
