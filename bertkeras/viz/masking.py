"""The masking view: what BERT's masked-language-model step did to each token of one sentence.

Of the tokens chosen for prediction, 80 % become ``[MASK]``, 10 % a random token and 10 % stay as they
were (see :mod:`bertkeras.pretraining.masking`). The view shows three rows per line of text: the original tokens,
the model's input with each chosen token coloured by what happened to it, and (optionally, after
training) the model's top-k guesses under each chosen position, passed in as plain lists.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bertkeras.viz.style import OKABE_ITO, new_figure

CATEGORY_COLOURS = {"mask": OKABE_ITO[0], "random": OKABE_ITO[1], "kept": OKABE_ITO[2]}
CATEGORY_LABELS = {"mask": "replaced by [MASK]", "random": "replaced by a random token", "kept": "kept (still predicted)"}


def mask_categories(original: Sequence[str], masked: Sequence[str], positions: Sequence[int],
                    mask_token: str = "[MASK]") -> dict[int, str]:
    """What happened at each chosen position: ``"mask"``, ``"random"`` or ``"kept"``.

    Example:
        >>> mask_categories(["the", "cat", "sat", "down"], ["the", "[MASK]", "dog", "down"], [1, 2, 3])
        {1: 'mask', 2: 'random', 3: 'kept'}
    """
    original, masked = [str(t) for t in original], [str(t) for t in masked]
    if len(original) != len(masked):
        raise ValueError(f"original has {len(original)} tokens but masked has {len(masked)}; expected the same "
                         f"sequence before and after masking (same length)")
    categories = {}
    for position in positions:
        position = int(position)
        if not 0 <= position < len(original):
            raise ValueError(f"mask position {position} is outside the {len(original)} tokens")
        if masked[position] == mask_token:
            categories[position] = "mask"
        elif masked[position] != original[position]:
            categories[position] = "random"
        else:
            categories[position] = "kept"
    return categories


def masking_view(
    original: Sequence[str],
    masked: Sequence[str],
    positions: Sequence[int],
    *,
    guesses: Sequence[Sequence[str]] | None = None,
    line_width: int = 100,
    hide_padding: bool = True,
) -> Figure:
    """Original tokens above, masked input (chosen tokens coloured by category) and top-k guesses below.

    Args:
        original: the tokens before masking.
        masked: the tokens the model sees (same length).
        positions: the positions chosen for prediction (``mask_positions`` without padding slots).
        guesses: optional, one list of top-k predicted tokens per entry of ``positions`` (best first);
            the guess equal to the original token is drawn in bold.
        line_width: wrap long sentences at about this many characters.
        hide_padding: leave out trailing ``[PAD]`` tokens.

    Returns:
        The Figure: one axes holding the tokens as text (original, input, guesses) and a legend.

    Example:
        >>> fig = masking_view(["[CLS]", "the", "cat", "sat", "[SEP]"], ["[CLS]", "[MASK]", "dog", "sat", "[SEP]"],
        ...                    [1, 2, 3], guesses=[["the", "a"], ["cat", "dog"], ["sat", "ran"]])
        >>> ax = fig.axes[0]
        >>> [t.get_text() for t in ax.texts if t.get_gid() == "input"]
        ['[CLS]', '[MASK]', 'dog', 'sat', '[SEP]']
        >>> [t.get_text() for t in ax.texts if t.get_gid() == "guesses"]
        ['the', 'a', 'cat', 'dog', 'sat', 'ran']
        >>> [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"]  # the correct guesses
        ['the', 'cat', 'sat']
    """
    categories = mask_categories(original, masked, positions)
    original, masked = [str(t) for t in original], [str(t) for t in masked]
    positions = [int(p) for p in positions]
    if guesses is not None:
        guesses = [[str(g) for g in row] for row in guesses]
        if len(guesses) != len(positions):
            raise ValueError(f"got {len(guesses)} guess lists for {len(positions)} mask positions; pass one list "
                             f"of top-k tokens per position, in the order of positions")
    guess_at = dict(zip(positions, guesses or [], strict=False))
    length = len(original)
    if hide_padding:
        while length > 0 and original[length - 1] == "[PAD]":
            length -= 1
    if length == 0:
        raise ValueError("there are no tokens to show (empty or only [PAD])")
    lines: list[list[int]] = [[]]
    used = 0.0
    for i in range(length):  # wrap at about line_width characters
        w = _width(original, masked, guess_at, i)
        if lines[-1] and used + w > line_width:
            lines.append([])
            used = 0.0
        lines[-1].append(i)
        used += w
    top_k = max((len(g) for g in guess_at.values()), default=0)
    line_height = 2.2 + 0.45 * top_k  # rows: original, input, guesses
    width = max(sum(_width(original, masked, guess_at, i) for i in line) for line in lines)
    fig, axes = new_figure(figsize=(min(16.0, 1.0 + 0.11 * width), 0.9 + 0.55 * line_height * len(lines)))
    ax = axes[0, 0]
    for number, line in enumerate(lines):
        top = -number * line_height
        x = 0.0
        for i in line:
            w = _width(original, masked, guess_at, i)
            centre = x + w / 2
            ax.text(centre, top, original[i], ha="center", va="center", fontsize=9, color="#555555", gid="original")
            box = None
            if i in categories:
                box = {"boxstyle": "round,pad=0.3", "facecolor": CATEGORY_COLOURS[categories[i]], "alpha": 0.35,
                       "edgecolor": CATEGORY_COLOURS[categories[i]]}
            ax.text(centre, top - 0.9, masked[i], ha="center", va="center", fontsize=10, bbox=box, gid="input")
            for rank, guess in enumerate(guess_at.get(i, [])):
                ax.text(centre, top - 1.6 - 0.45 * rank, guess, ha="center", va="center", fontsize=8,
                        fontweight="bold" if guess == original[i] else "normal", gid="guesses")
            x += w
    ax.set_xlim(-1, width + 1)
    ax.set_ylim(-line_height * len(lines) + 0.6, 0.8)
    ax.axis("off")
    handles = [Patch(facecolor=CATEGORY_COLOURS[c], alpha=0.35, edgecolor=CATEGORY_COLOURS[c], label=label)
               for c, label in CATEGORY_LABELS.items()]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8, frameon=False)
    subtitle = "grey: original · boxed: model input" + (" · below: top guesses (bold = correct)" if guesses else "")
    ax.set_title(subtitle, fontsize=8, y=-0.05, va="top")
    return fig


def _width(original: list[str], masked: list[str], guess_at: dict[int, list[str]], i: int) -> float:
    """Horizontal room for column i, in character widths (the longest text in it, plus a gap)."""
    texts = [original[i], masked[i], *guess_at.get(i, [])]
    return max(len(t) for t in texts) + 3.0
