"""Where each head looks, as numbers: the attention patterns of Clark et al. (2019), and entropy.

"What does BERT look at?" (Clark, Khandelwal, Levy & Manning, 2019) found that many heads of a trained
BERT do one simple thing: attend to ``[CLS]``, to ``[SEP]`` (a "no-op" when the head has nothing to do),
to punctuation, to the previous or next token, or broadly over the sentence. For each head,
:func:`attention_pattern_scores` averages over the query tokens the attention weight that goes to each
target; :func:`attention_entropy` measures how spread out a head's attention is (0 nats: all on one token;
``log(n)``: uniform over ``n`` tokens). Queries at ``[PAD]`` positions are left out of every average.
The plots show each score as a layers x heads heat map.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bertkeras.viz.inputs import attention_stack, check_tokens
from bertkeras.viz.style import SEQUENTIAL_CMAP, new_figure

PATTERNS = ("cls", "sep", "punctuation", "previous", "next", "self")
PATTERN_TITLES = {"cls": "to [CLS]", "sep": "to [SEP]", "punctuation": "to . and ,", "previous": "to previous token",
                  "next": "to next token", "self": "to itself"}


def attention_pattern_scores(attention, tokens: Sequence[str]) -> dict[str, np.ndarray]:
    """Average attention per layer and head to ``[CLS]``, ``[SEP]``, punctuation, the previous / next token
    and the token itself.

    Args:
        attention: (layers, heads, q, k) or a list of per-layer (heads, q, k) arrays, for one example.
        tokens: one token per position; ``[PAD]`` queries are ignored.

    Returns:
        dict ``pattern -> (layers, heads) array`` for the patterns in :data:`PATTERNS`: the mean over the
        (real) query tokens of the weight going to that target (for previous / next, over the queries
        that have one).

    Example:
        >>> import numpy as np
        >>> tokens = ["[CLS]", "the", "cat", "sat", "[SEP]"]
        >>> next_head = np.eye(5, k=1)  # every token looks at the next one...
        >>> next_head[4, 4] = 1.0  # ...and the last at itself
        >>> attention = np.stack([np.eye(5), next_head])[None]  # 1 layer, 2 heads
        >>> scores = attention_pattern_scores(attention, tokens)
        >>> scores["self"].tolist(), scores["next"].tolist()
        ([[1.0, 0.2]], [[0.0, 1.0]])
        >>> best_head(scores, "next")
        (0, 1)
    """
    stack = attention_stack(attention).astype(np.float64)
    tokens = check_tokens(tokens, stack.shape)
    real = np.array([t != "[PAD]" for t in tokens])
    queries = np.flatnonzero(real)
    if queries.size == 0:
        raise ValueError("every token is [PAD]; pass the tokens of a real sequence")

    def to_keys(mask: np.ndarray) -> np.ndarray:  # (L, H): weight on the chosen keys, averaged over queries
        return stack[:, :, queries][:, :, :, mask].sum(-1).mean(-1)

    def diagonal(offset: int) -> np.ndarray:
        pairs = [(q, q + offset) for q in queries if 0 <= q + offset < len(tokens) and real[q + offset]]
        if not pairs:
            return np.zeros(stack.shape[:2])
        q, k = np.array(pairs).T
        return stack[:, :, q, k].mean(-1)

    punctuation = np.array([t in (".", ",") or (t != "" and all(c in string.punctuation for c in t))
                            for t in tokens]) & ~np.isin(tokens, ["[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]"])
    return {
        "cls": to_keys(np.array([t == "[CLS]" for t in tokens])),
        "sep": to_keys(np.array([t == "[SEP]" for t in tokens])),
        "punctuation": to_keys(punctuation),
        "previous": diagonal(-1),
        "next": diagonal(+1),
        "self": diagonal(0),
    }


def attention_entropy(attention, tokens: Sequence[str] | None = None) -> np.ndarray:
    """Mean entropy (nats) of each head's attention distribution, as a (layers, heads) array.

    Example:
        >>> import numpy as np
        >>> uniform, sharp = np.full((4, 4), 0.25), np.eye(4)
        >>> attention_entropy(np.stack([uniform, sharp])[None]).round(4).tolist()  # log(4) = 1.3863
        [[1.3863, 0.0]]
    """
    stack = attention_stack(attention).astype(np.float64)
    queries = slice(None)
    if tokens is not None:
        tokens = check_tokens(tokens, stack.shape)
        queries = np.flatnonzero([t != "[PAD]" for t in tokens])
    p = stack[:, :, queries]
    terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)  # 0 log 0 = 0
    return terms.sum(-1).mean(-1)


def mean_pattern_scores(examples: Iterable[tuple[object, Sequence[str]]]) -> dict[str, np.ndarray]:
    """:func:`attention_pattern_scores` averaged over many ``(attention, tokens)`` examples.

    The patterns of a trained model show clearly only over many sentences, as in Clark et al.

    Example:
        >>> import numpy as np
        >>> one = (np.eye(3)[None, None], ["[CLS]", "a", "[SEP]"])
        >>> mean_pattern_scores([one, one])["self"].tolist()
        [[1.0]]
    """
    totals: dict[str, np.ndarray] = {}
    count = 0
    for attention, tokens in examples:
        for name, value in attention_pattern_scores(attention, tokens).items():
            totals[name] = totals.get(name, 0.0) + value
        count += 1
    if count == 0:
        raise ValueError("no examples given; pass a non-empty iterable of (attention, tokens) pairs")
    return {name: total / count for name, total in totals.items()}


def best_head(scores, pattern: str | None = None) -> tuple[int, int]:
    """(layer, head) with the highest score, from a (layers, heads) array or a scores dict and a pattern.

    Example:
        >>> import numpy as np
        >>> best_head(np.array([[0.1, 0.2], [0.9, 0.3]]))
        (1, 0)
    """
    if isinstance(scores, dict):
        if pattern not in scores:
            raise ValueError(f"pattern {pattern!r} not in the scores; choose one of {sorted(scores)}")
        scores = scores[pattern]
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"scores must be a (layers, heads) array; got shape {scores.shape}")
    layer, head = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(layer), int(head)


def attention_pattern_plot(scores_or_attention, tokens: Sequence[str] | None = None, *,
                           patterns: Sequence[str] = PATTERNS) -> Figure:
    """One layers x heads heat map per pattern (shared 0..1 scale); the best head is boxed.

    Args:
        scores_or_attention: a dict from :func:`attention_pattern_scores` / :func:`mean_pattern_scores`,
            or an attention array (then ``tokens`` is needed).
        tokens: the tokens, when attention is given.
        patterns: which patterns to draw, in order.

    Example:
        >>> import numpy as np
        >>> fig = attention_pattern_plot(np.full((2, 3, 4, 4), 0.25), ["[CLS]", "a", ".", "[SEP]"])
        >>> len(fig.axes), fig.axes[0].get_title()  # 6 panels and one colour bar
        (7, 'to [CLS]')
    """
    if isinstance(scores_or_attention, dict):
        scores = scores_or_attention
    else:
        if tokens is None:
            raise ValueError("pass tokens with an attention array (or pass a scores dict instead)")
        scores = attention_pattern_scores(scores_or_attention, tokens)
    missing = [p for p in patterns if p not in scores]
    if missing or not patterns:
        raise ValueError(f"patterns {missing or list(patterns)} not available; choose from {sorted(scores)}")
    return _layer_head_maps([scores[p] for p in patterns], [PATTERN_TITLES.get(p, p) for p in patterns],
                            vmax=1.0, colorbar_label="mean attention weight")


def attention_entropy_plot(attention, tokens: Sequence[str] | None = None) -> Figure:
    """Heat map of mean attention entropy per layer and head (low: focused heads, high: broad ones).

    Each cell carries its value; the colour scale runs from 0 (all weight on one token) to ln T, the entropy
    of uniform attention over the T real tokens of this example, which the title states.

    Example:
        >>> import numpy as np
        >>> fig = attention_entropy_plot(np.full((2, 3, 4, 4), 0.25))
        >>> fig.axes[0].images[0].get_array().shape, fig.axes[0].get_title()
        ((2, 3), 'attention entropy (nats)\\nuniform over T = 4 tokens: ln 4 = 1.39')
        >>> [t.get_text() for t in fig.axes[0].texts][:2]
        ['1.39', '1.39']
    """
    entropy = attention_entropy(attention, tokens)
    n_keys = attention_stack(attention).shape[-1] if tokens is None else sum(t != "[PAD]" for t in tokens)
    title = f"attention entropy (nats)\nuniform over T = {n_keys} tokens: ln {n_keys} = {np.log(n_keys):.2f}"
    return _layer_head_maps([entropy], [title], vmax=float(np.log(max(n_keys, 2))), colorbar_label="nats",
                            box_best=False, annotate=True)


def _layer_head_maps(maps: list[np.ndarray], titles: list[str], *, vmax: float, colorbar_label: str,
                     box_best: bool = True, annotate: bool = False) -> Figure:
    layers, heads = np.asarray(maps[0]).shape
    ncols = min(3, len(maps))
    nrows = -(-len(maps) // ncols)
    width = max(3.2, 1.5 + 0.8 * heads) if annotate else 1.2 + 0.35 * heads
    height = max(2.6, 1.4 + 0.6 * layers) if annotate else 1.0 + 0.3 * layers
    fig, axes = new_figure(nrows, ncols, figsize=(ncols * width + (1.0 if annotate else 0.0), nrows * height))
    for ax in axes.flat[len(maps):]:
        fig.delaxes(ax)
    for ax, values, title in zip(axes.flat, maps, titles, strict=False):
        values = np.asarray(values, dtype=np.float64)
        image = ax.imshow(values, cmap=SEQUENTIAL_CMAP, vmin=0.0, vmax=vmax, aspect="auto")
        if annotate:
            for (i, j), value in np.ndenumerate(values):
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=11,
                        color="black" if value > 0.6 * vmax else "white")
        if box_best:
            layer, head = best_head(values)
            ax.add_patch(_box(head, layer))
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("head")
        ax.set_ylabel("layer")
        ax.set_xticks(range(heads))
        ax.set_yticks(range(layers))
    fig.colorbar(image, ax=list(axes.flat[:len(maps)]), shrink=0.8, label=colorbar_label)
    return fig


def _box(x: int, y: int) -> Rectangle:
    return Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, edgecolor="#D55E00", linewidth=2)
