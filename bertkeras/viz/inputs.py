"""What the plotting functions accept, checked once: attention arrays, token lists and segments.

The backbone (built with ``return_attention_scores=True``, or through ``BertBackbone.internals``) gives
attention as a **list with one array per layer, each (batch, heads, query, key)**. The views show one
example, so they take either

* a list of per-layer arrays ``(heads, q, k)`` (or ``(1, heads, q, k)``: a batch of one), or
* one stacked array ``(layers, heads, q, k)``;

:func:`example_attention` picks example ``i`` out of a batch and cuts off the padding. Keras / TF tensors
are converted with ``numpy.asarray``. A wrong shape raises ``ValueError`` naming the expected one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EXPECTED = "(layers, heads, query, key) or a list of per-layer (heads, query, key) arrays"


def example_attention(attention_scores, index: int = 0, length: int | None = None) -> np.ndarray:
    """One example's attention, stacked to (layers, heads, length, length), out of a batch.

    Args:
        attention_scores: the backbone's ``attention_scores``: a list of L arrays (batch, heads, T, T),
            or one array (layers, batch, heads, T, T).
        index: which example of the batch.
        length: keep the first ``length`` positions (the real tokens, ``padding_mask[index].sum()``).

    Example:
        >>> batch = [np.full((2, 4, 6, 6), 1 / 6) for _ in range(3)]  # 3 layers, batch 2, 4 heads, T=6
        >>> example_attention(batch, index=1, length=5).shape
        (3, 4, 5, 5)
    """
    layers = [np.asarray(a, dtype=np.float32) for a in attention_scores]
    if not layers or any(a.ndim != 4 for a in layers):
        raise ValueError(f"expected attention_scores as a list of per-layer (batch, heads, query, key) arrays, "
                         f"got shapes {[a.shape for a in layers]}; pass the backbone's 'attention_scores' output")
    stack = np.stack([a[index] for a in layers])  # (L, A, T, T)
    if length is not None:
        if not 0 < length <= stack.shape[-1]:
            raise ValueError(f"length={length} is outside 1..{stack.shape[-1]} (the sequence length); pass the "
                             f"number of real tokens, e.g. int(padding_mask[{index}].sum())")
        stack = stack[:, :, :length, :length]
    return stack


def attention_stack(attention) -> np.ndarray:
    """Attention for one example as a float array (layers, heads, query, key).

    Example:
        >>> attention_stack([np.eye(3)[None], np.eye(3)[None]]).shape  # 2 layers of 1 head
        (2, 1, 3, 3)
        >>> attention_stack(np.zeros((2, 3)))
        Traceback (most recent call last):
        ...
        ValueError: attention must be (layers, heads, query, key) or a list of per-layer (heads, query, key) arrays; got shape (2, 3)
    """
    if isinstance(attention, list | tuple):
        layers = [np.asarray(a, dtype=np.float32) for a in attention]
        layers = [a[0] if a.ndim == 4 and a.shape[0] == 1 else a for a in layers]  # a batch of one
        shapes = {a.shape for a in layers}
        if len(layers) == 0 or len(shapes) != 1 or layers[0].ndim != 3:
            raise ValueError(f"attention must be {EXPECTED}; got a list of shapes {[a.shape for a in layers]} "
                             f"(for a batch, pick one example with bertkeras.viz.example_attention)")
        stack = np.stack(layers)
    else:
        stack = np.asarray(attention, dtype=np.float32)
        if stack.ndim != 4:
            raise ValueError(f"attention must be {EXPECTED}; got shape {stack.shape}")
    if not np.all(np.isfinite(stack)):
        raise ValueError("attention contains NaN or inf; check the model's outputs before plotting them")
    return stack


def head_map(attention, layer: int | None = None, head: int | None = None) -> np.ndarray:
    """One (query, key) map out of a (q, k), (heads, q, k) or (layers, heads, q, k) / list input.

    Example:
        >>> head_map(np.ones((2, 4, 5, 5)), layer=1, head=3).shape
        (5, 5)
    """
    if not isinstance(attention, list | tuple):
        array = np.asarray(attention, dtype=np.float32)
        if array.ndim == 2:
            return array
        if array.ndim == 3:
            if head is None:
                raise ValueError(f"attention of shape {array.shape} is (heads, query, key): pass head=0..."
                                 f"{array.shape[0] - 1}")
            return _pick(array, head, "head")
    stack = attention_stack(attention)
    if layer is None or head is None:
        raise ValueError(f"attention of shape {stack.shape} is (layers, heads, query, key): pass layer= and head=")
    return _pick(_pick(stack, layer, "layer"), head, "head")


def _pick(array: np.ndarray, index: int, what: str) -> np.ndarray:
    if not -array.shape[0] <= index < array.shape[0]:
        raise ValueError(f"{what}={index} is out of range: the attention has {array.shape[0]} {what}s "
                         f"(shape {array.shape})")
    return array[index]


def check_tokens(tokens: Sequence[str], attention_shape: tuple[int, ...]) -> list[str]:
    """Tokens as a list of str, one per query (and key) position of ``attention_shape``.

    Example:
        >>> check_tokens(["[CLS]", "hi", "[SEP]"], (1, 2, 3, 3))
        ['[CLS]', 'hi', '[SEP]']
    """
    if isinstance(tokens, str):
        raise ValueError("tokens must be a list of token strings (e.g. tokenizer.convert_ids_to_tokens(ids)), "
                         "not one string")
    tokens = [str(t) for t in tokens]
    query, key = attention_shape[-2], attention_shape[-1]
    if query != key:
        raise ValueError(f"self-attention maps are square (query == key); got shape {tuple(attention_shape)}")
    if len(tokens) != query:
        raise ValueError(f"got {len(tokens)} tokens for attention over {query} positions (shape "
                         f"{tuple(attention_shape)}); expected one token per position, e.g. the first "
                         f"{query} tokens or attention cut to the real tokens with example_attention(length=...)")
    return tokens


def sentence_b_start(tokens: Sequence[str]) -> int | None:
    """Index of the first token of segment B (after the first ``[SEP]``), or None for a single segment.

    Example:
        >>> sentence_b_start(["[CLS]", "hi", "[SEP]", "there", "[SEP]"])
        3
        >>> sentence_b_start(["[CLS]", "hi", "[SEP]", "[PAD]"]) is None
        True
    """
    tokens = list(tokens)
    if "[SEP]" not in tokens:
        return None
    start = tokens.index("[SEP]") + 1
    rest = [t for t in tokens[start:] if t != "[PAD]"]
    return start if rest else None
