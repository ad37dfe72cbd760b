"""Embedding views: BERT's three input embeddings and their sum, and 2-D projections of vectors.

* :func:`embedding_parts_plot` shows, for one sentence, the token, segment and position embeddings and
  their sum as heat maps (rows: tokens, columns: hidden dimensions) on one shared colour scale. The
  parts come from ``BertEmbedding(..., return_parts=True)`` or ``BertBackbone.internals(...)``
  (``["embedding_parts"]``), or any dict of (tokens, hidden) arrays.
* :func:`projection_plot` projects token or ``[CLS]`` vectors to 2-D with PCA (:func:`pca_2d`) and colours
  them by label; given a second set (e.g. after fine-tuning) it draws two panels side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from bertkeras.viz.style import DIVERGING_CMAP, OKABE_ITO, new_figure

PART_ORDER = ("token", "segment", "position", "sum", "output")
PART_TITLES = {"token": "token", "segment": "segment", "position": "position", "sum": "sum of the three",
               "output": "after LayerNorm"}


def embedding_parts_plot(parts: Mapping[str, object], tokens: Sequence[str], *, max_dims: int | None = 64,
                         example: int = 0) -> Figure:
    """Heat maps of the input embeddings of one sentence: token, segment, position and their sum.

    Args:
        parts: dict with ``token``, ``segment``, ``position`` (and optionally ``sum`` and ``output``), each
            (tokens, hidden) or (batch, tokens, hidden); missing ``sum`` is computed.
        tokens: one token per row.
        max_dims: show only the first ``max_dims`` hidden dimensions (None: all).
        example: which example, when the parts have a batch axis.

    Returns:
        The Figure: one heat map per part (in the order token, segment, position, sum, output), a colour
        bar shared by the parts and their sum, and one of its own for ``output``.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> parts = {k: rng.normal(size=(1, 3, 8)) for k in ("token", "segment", "position")}
        >>> fig = embedding_parts_plot(parts, ["[CLS]", "hi", "[SEP]"])
        >>> [ax.get_title() for ax in fig.axes[:4]]
        ['token', 'segment', 'position', 'sum of the three']
        >>> np.allclose(fig.axes[3].images[0].get_array(), sum(parts[k][0] for k in ("token", "segment", "position")))
        True
    """
    missing = [k for k in ("token", "segment", "position") if k not in parts]
    if missing:
        raise ValueError(f"parts lacks {missing}; pass the dict of BertEmbedding(..., return_parts=True) "
                         f"with token, segment and position arrays of shape (tokens, hidden)")
    arrays = {}
    for name in PART_ORDER:
        if name not in parts:
            continue
        array = np.asarray(parts[name], dtype=np.float32)
        array = array[example] if array.ndim == 3 else array
        if array.ndim != 2 or array.shape[0] != len(tokens):
            raise ValueError(f"embedding part {name!r} must be (tokens, hidden) = ({len(tokens)}, H) or "
                             f"(batch, {len(tokens)}, H); got shape {np.asarray(parts[name]).shape}")
        arrays[name] = array
    if len({a.shape for a in arrays.values()}) != 1:
        raise ValueError(f"embedding parts differ in shape: { {k: a.shape for k, a in arrays.items()} }")
    if "sum" not in arrays:
        arrays = {**{k: arrays[k] for k in ("token", "segment", "position")},
                  "sum": arrays["token"] + arrays["segment"] + arrays["position"],
                  **({"output": arrays["output"]} if "output" in arrays else {})}
    if max_dims is not None:
        arrays = {k: a[:, :max_dims] for k, a in arrays.items()}
    # token, segment, position and sum share one scale, so their sizes compare; LayerNorm's output
    # (about unit variance, ~50x larger at initialisation) gets its own.
    limits = {k: max(float(np.abs(arrays[n]).max()) for n in arrays if n != "output") or 1.0 for k in arrays}
    if "output" in arrays:
        limits["output"] = float(np.abs(arrays["output"]).max()) or 1.0
    tokens = [str(t) for t in tokens]
    fig, axes = new_figure(1, len(arrays), figsize=(2.3 * len(arrays) + 1.5, 1.2 + 0.25 * len(tokens)), sharey=True)
    images = {}
    for ax, (name, array) in zip(axes[0], arrays.items(), strict=True):
        images[name] = ax.imshow(array, cmap=DIVERGING_CMAP, vmin=-limits[name], vmax=limits[name], aspect="auto",
                                 interpolation="nearest")
        ax.set_title(PART_TITLES[name], fontsize=9)
        ax.set_xlabel("hidden dimension")
        ax.set_yticks(range(len(tokens)), tokens, fontsize=8)
    axes[0, 0].set_ylabel("token")
    summed = [ax for ax, name in zip(axes[0], arrays, strict=True) if name != "output"]
    fig.colorbar(images["sum"], ax=summed, shrink=0.8, label="value")
    if "output" in arrays:
        fig.colorbar(images["output"], ax=axes[0, -1], shrink=0.8)
    return fig


def pca_2d(vectors) -> np.ndarray:
    """Project (n, d) vectors on their first two principal components, as an (n, 2) array.

    Centred, computed with an SVD; each component's sign is fixed so its largest loading is positive,
    so the same data always gives the same picture.

    Example:
        >>> import numpy as np
        >>> points = np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0], [4.0, 0.1, 1.0]])
        >>> pca_2d(points).round(3).tolist()
        [[-2.0, 0.017], [-0.001, -0.033], [2.001, 0.017]]
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] < 2:
        raise ValueError(f"vectors must be (n, d) with n >= 2, e.g. [CLS] vectors sequence_output[:, 0]; "
                         f"got shape {vectors.shape}")
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:2]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    projected = centred @ (components * signs[:, None]).T
    if projected.shape[1] < 2:  # d == 1: the second coordinate is 0
        projected = np.pad(projected, ((0, 0), (0, 2 - projected.shape[1])))
    return projected


def projection_plot(
    vectors,
    labels: Sequence,
    *,
    after=None,
    after_labels: Sequence | None = None,
    label_names: Sequence[str] | None = None,
    titles: Sequence[str] = ("before fine-tuning", "after fine-tuning"),
) -> Figure:
    """2-D PCA scatter of vectors coloured by label; two panels when a second set (``after``) is given.

    Args:
        vectors: (n, d) token or ``[CLS]`` vectors.
        labels: n labels (ints with ``label_names``, or strings).
        after: optional second (m, d) set, e.g. the same texts after fine-tuning (own PCA).
        after_labels: labels of ``after`` (default: ``labels``).
        label_names: names of integer labels, for the legend.
        titles: the two panel titles (used when ``after`` is given).

    Returns:
        The Figure: one or two scatter axes; each label is one scatter collection named in the legend.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> before, after = rng.normal(size=(20, 8)), rng.normal(size=(20, 8))
        >>> fig = projection_plot(before, [0, 1] * 10, after=after, label_names=["ham", "spam"])
        >>> len(fig.axes), [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        (2, ['ham', 'spam'])
    """
    sets = [(vectors, labels)] + ([(after, labels if after_labels is None else after_labels)] if after is not None
                                  else [])
    fig, axes = new_figure(1, len(sets), figsize=(4.2 * len(sets), 3.8))
    for index, (ax, (points, point_labels)) in enumerate(zip(axes[0], sets, strict=True)):
        projected = pca_2d(points)
        point_labels = np.asarray(point_labels)
        if point_labels.shape != (projected.shape[0],):
            raise ValueError(f"got {point_labels.shape} labels for {projected.shape[0]} vectors; expected one label "
                             f"per vector")
        for colour_index, value in enumerate(np.unique(point_labels)):
            chosen = point_labels == value
            name = str(value)
            if label_names is not None and np.issubdtype(point_labels.dtype, np.integer):
                if not 0 <= int(value) < len(label_names):
                    raise ValueError(f"label {value} has no name in label_names ({len(label_names)} names)")
                name = label_names[int(value)]
            ax.scatter(projected[chosen, 0], projected[chosen, 1], s=14, alpha=0.75, label=name,
                       color=OKABE_ITO[colour_index % len(OKABE_ITO)])
        ax.set_xlabel("principal component 1")
        ax.set_ylabel("principal component 2")
        if len(sets) == 2:
            ax.set_title(titles[index])
        ax.legend(fontsize=8, markerscale=1.5)
    return fig
