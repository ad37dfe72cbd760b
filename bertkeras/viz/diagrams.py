"""Block diagrams of BERT, drawn with matplotlib so that they are code (and tested), not pasted images.

Each function returns a :class:`matplotlib.figure.Figure` sized for a notebook's width. The drawing
primitives :func:`box`, :func:`arrow` and :func:`label` are shared by every diagram (one implementation);
coordinates are data units on an axes with its frame hidden (:func:`canvas`).

=============================  ==========================================================================
:func:`encoder_decoder_diagram`      the Transformer's encoder and decoder: BERT keeps only the encoder
:func:`input_representation_diagram` token + segment + position embeddings, summed per token (Figure 2)
:func:`encoder_block_diagram`        one post-LN encoder block (self-attention, add & norm, GELU FFN) x L
:func:`pretraining_heads_diagram`    masked-LM head (tied embeddings) and NSP head (pooler on [CLS])
:func:`finetuning_tasks_diagram`     the four fine-tuning task shapes of the paper's Figure 4
=============================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from bertkeras.viz.style import OKABE_ITO, new_figure

BLUE, ORANGE, GREEN, PINK, SKY, VERMILLION, YELLOW, BLACK = OKABE_ITO
GREY = "#B0B0B0"
GREY_TEXT = "#808080"
FONT = 11

DEFAULT_TOKENS = ("[CLS]", "my", "dog", "is", "cute", "[SEP]", "he", "likes", "play", "##ing", "[SEP]")


# ----------------------------------------------------------------------------------- drawing primitives


def canvas(ax, xlim: tuple[float, float], ylim: tuple[float, float], title: str | None = None):
    """Set ``ax`` up as a drawing surface: fixed limits, equal scale off, no frame or ticks."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=FONT + 2, fontweight="bold")
    return ax


def box(ax, x: float, y: float, width: float, height: float, text: str = "", *, color: str = BLUE,
        alpha: float = 0.25, text_color: str = "black", fontsize: float = FONT, bold: bool = False,
        dashed: bool = False):
    """A rounded box whose lower-left corner is (x, y), with ``text`` centred in it. Returns the patch."""
    patch = FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.02,rounding_size=0.08",
                           facecolor=color if not dashed else "none", alpha=None, edgecolor=color,
                           linewidth=1.6, linestyle="--" if dashed else "-")
    if not dashed:
        patch.set_facecolor((*_rgb(color), alpha))
    ax.add_patch(patch)
    if text:
        label(ax, x + width / 2, y + height / 2, text, color=text_color, fontsize=fontsize, bold=bold)
    return patch


def arrow(ax, start: tuple[float, float], end: tuple[float, float], *, color: str = "black",
          style: str = "-|>", connection: str = "arc3", linewidth: float = 1.4):
    """An arrow from ``start`` to ``end`` (``connection`` e.g. ``"angle,angleA=0,angleB=90"``)."""
    patch = FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                            linewidth=linewidth, connectionstyle=connection, shrinkA=0, shrinkB=0)
    ax.add_patch(patch)
    return patch


def label(ax, x: float, y: float, text: str, *, color: str = "black", fontsize: float = FONT,
          bold: bool = False, ha: str = "center", va: str = "center", italic: bool = False):
    """Text at (x, y); returns the Text object."""
    return ax.text(x, y, text, ha=ha, va=va, color=color, fontsize=fontsize,
                   fontweight="bold" if bold else "normal", fontstyle="italic" if italic else "normal")


def _rgb(color: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(color)


def figure_texts(fig: Figure) -> list[str]:
    """Every text string drawn in ``fig`` (titles and labels included): what the tests look for."""
    return [t.get_text() for t in fig.findobj(match=lambda artist: hasattr(artist, "get_text"))
            if t.get_text()]


# ------------------------------------------------------------------------------------------- diagrams


def _stack(ax, x: float, y: float, width: float, layers: Sequence[tuple[str, str]], *, height: float = 0.6,
           gap: float = 0.35, text_color: str = "black", arrow_color: str = "black") -> list[float]:
    """Boxes stacked upwards from y, joined by arrows; returns each box's lower y."""
    bottoms = []
    for i, (text, color) in enumerate(layers):
        bottom = y + i * (height + gap)
        box(ax, x, bottom, width, height, text, color=color, text_color=text_color)
        if i:
            arrow(ax, (x + width / 2, bottom - gap), (x + width / 2, bottom), color=arrow_color)
        bottoms.append(bottom)
    return bottoms


def encoder_decoder_diagram() -> Figure:
    """The Transformer (Vaswani et al., 2017) side by side: the encoder BERT keeps, the decoder it drops.

    The encoder reads the whole input at once (every position attends to every other); the decoder
    generates left to right with *masked* self-attention and attends to the encoder's output (GPT keeps
    a decoder without that cross-attention). BERT is the encoder stack alone.
    """
    fig, axes = new_figure(figsize=(12, 6.5))
    ax = canvas(axes[0, 0], (0, 12.3), (0, 8.2), "BERT keeps only the encoder")
    # Encoder (kept, coloured)
    enc = [("Input embeddings + positions", SKY), ("Multi-head self-attention\n(sees left and right)", BLUE),
           ("Add & LayerNorm", GREEN), ("Feed-forward", ORANGE), ("Add & LayerNorm", GREEN)]
    enc_y = _stack(ax, 0.8, 1.3, 4.0, enc)
    box(ax, 0.5, enc_y[1] - 0.18, 4.6, enc_y[-1] - enc_y[1] + 0.96, color=BLUE, dashed=True)
    label(ax, 5.35, (enc_y[1] + enc_y[-1]) / 2 + 0.3, "× N", fontsize=FONT + 2, bold=True, ha="left")
    label(ax, 2.8, 0.55, "Inputs: the whole sentence at once", italic=True)
    arrow(ax, (2.8, 0.8), (2.8, 1.3))
    label(ax, 2.8, 7.7, "Encoder — BERT", bold=True, color=BLUE, fontsize=FONT + 2)
    out_y = enc_y[-1] + 0.6
    arrow(ax, (2.8, out_y), (2.8, out_y + 0.5))
    label(ax, 2.8, out_y + 0.8, "one contextual vector per token", italic=True, color=BLUE)
    # Decoder (dropped, greyed)
    dec = [("Output embeddings + positions", GREY), ("Masked self-attention\n(sees only the left)", GREY),
           ("Add & LayerNorm", GREY), ("Cross-attention\nover the encoder", GREY), ("Add & LayerNorm", GREY),
           ("Feed-forward", GREY), ("Add & LayerNorm", GREY)]
    dec_y = _stack(ax, 7.0, 0.5 + 0.1, 4.0, dec, height=0.58, gap=0.24, text_color=GREY_TEXT,
                   arrow_color=GREY)
    box(ax, 6.7, dec_y[1] - 0.12, 4.6, dec_y[-1] - dec_y[1] + 0.82, color=GREY, dashed=True)
    label(ax, 11.45, (dec_y[1] + dec_y[-1]) / 2 + 0.3, "× N", fontsize=FONT + 2, color=GREY_TEXT, bold=True,
          ha="left")
    label(ax, 9.0, 0.25, "Outputs so far (shifted right)", italic=True, color=GREY_TEXT)
    top = dec_y[-1] + 0.58
    box(ax, 7.0, top + 0.3, 4.0, 0.55, "Linear + softmax: next token", color=GREY, text_color=GREY_TEXT)
    arrow(ax, (9.0, top), (9.0, top + 0.3), color=GREY)
    label(ax, 9.0, 7.7, "Decoder — dropped by BERT\n(GPT keeps a decoder-only stack)", bold=True,
          color=GREY_TEXT, fontsize=FONT + 1)
    # Encoder output feeds the decoder's cross-attention
    arrow(ax, (4.8, out_y + 0.1), (7.0, dec_y[3] + 0.29), color=GREY, connection="arc3,rad=-0.2")
    return fig


def input_representation_diagram(tokens: Sequence[str] | None = None,
                                  segments: Sequence[int] | None = None) -> Figure:
    """BERT's input: token + segment + position embeddings, summed per token (the paper's Figure 2).

    Args:
        tokens: the WordPiece tokens (default ``[CLS] my dog is cute [SEP] he likes play ##ing [SEP]``).
        segments: 0 (sentence A) or 1 (sentence B) per token; default: A up to and including the first
            ``[SEP]``, B after it.
    """
    tokens = list(DEFAULT_TOKENS if tokens is None else tokens)
    if segments is None:
        first_sep = tokens.index("[SEP]") if "[SEP]" in tokens else len(tokens) - 1
        segments = [0 if i <= first_sep else 1 for i in range(len(tokens))]
    segments = list(segments)
    if len(segments) != len(tokens):
        raise ValueError(f"segments has {len(segments)} entries for {len(tokens)} tokens")
    n = len(tokens)
    cell, left = 1.15, 2.9
    width = left + n * cell + 0.2
    fig, axes = new_figure(figsize=(max(8.0, 0.95 * width), 5.0))
    ax = canvas(axes[0, 0], (0, width), (0, 6.6), "Input = token + segment + position embeddings")
    rows = [("Input", 5.6), ("Token embeddings", 4.2), ("Segment embeddings", 2.6), ("Position embeddings", 1.0)]
    for text, y in rows:
        label(ax, 0.1, y + 0.3, text, ha="left", bold=True)
    for i, (token, segment) in enumerate(zip(tokens, segments, strict=True)):
        x = left + i * cell
        bw = cell - 0.15
        box(ax, x, 5.6, bw, 0.6, token, color=BLACK, alpha=0.06, fontsize=FONT - 1)
        box(ax, x, 4.2, bw, 0.6, f"E({token})", color=ORANGE, fontsize=FONT - 1)
        box(ax, x, 2.6, bw, 0.6, "E$_A$" if segment == 0 else "E$_B$", color=GREEN if segment == 0 else PINK)
        box(ax, x, 1.0, bw, 0.6, f"E$_{{{i}}}$", color=SKY)
        for y in (3.75, 2.15):
            label(ax, x + bw / 2, y - 0.05, "+", fontsize=FONT + 3, bold=True)
        arrow(ax, (x + bw / 2, 5.6), (x + bw / 2, 4.8), color=GREY)
    label(ax, left + (n * cell) / 2, 0.4, "summed per position, then LayerNorm and dropout → the encoder",
          italic=True)
    return fig


def encoder_block_diagram() -> Figure:
    """One post-LN Transformer encoder block, as in BERT; the encoder repeats it L times.

    x → multi-head self-attention → add x, LayerNorm → feed-forward (H → 4H, GELU, → H) → add, LayerNorm.
    """
    fig, axes = new_figure(figsize=(8, 7))
    ax = canvas(axes[0, 0], (0, 8), (0, 8.3), "One encoder block (post-LN), repeated L times")
    x, w, h = 2.0, 4.0, 0.75
    label(ax, 4.0, 0.35, "input: T × H (one vector per token)", italic=True)
    arrow(ax, (4.0, 0.6), (4.0, 1.3))
    layers = [("Multi-head self-attention\n(A heads, padding mask)", BLUE), ("Add & LayerNorm", GREEN),
              ("Feed-forward: Dense H → 4H, GELU,\nDense 4H → H", ORANGE), ("Add & LayerNorm", GREEN)]
    ys = _stack(ax, x, 1.3, w, layers, height=h, gap=0.9)
    # residual connections around the attention and around the feed-forward
    for start, end in ((1.0, ys[1] + h / 2), (ys[1] + h + 0.45, ys[3] + h / 2)):
        ax.plot([4.0, 1.2, 1.2], [start, start, end], color=VERMILLION, linewidth=1.4)
        arrow(ax, (1.2, end), (x, end), color=VERMILLION)
    label(ax, 0.9, ys[1] - 0.2, "residual", color=VERMILLION, ha="right", fontsize=FONT - 1)
    label(ax, 0.9, ys[3] - 0.2, "residual", color=VERMILLION, ha="right", fontsize=FONT - 1)
    box(ax, 0.2 + 1.4, 1.05, 5.0, ys[-1] + h - 0.8, color=BLUE, dashed=True)
    label(ax, 6.75, (ys[0] + ys[-1]) / 2 + 0.4, "× L", fontsize=FONT + 4, bold=True, ha="left")
    top = ys[-1] + h
    arrow(ax, (4.0, top), (4.0, top + 0.6))
    label(ax, 4.0, top + 0.85, "output: T × H (to the next block)", italic=True)
    return fig


def pretraining_heads_diagram() -> Figure:
    """The two pre-training heads on top of the encoder: masked-LM on masked positions, NSP on [CLS].

    Masked LM: the final vector at a masked position → dense + GELU + LayerNorm → times the transposed
    token-embedding matrix (tied with the input embeddings) + a bias → softmax over the vocabulary.
    NSP: the [CLS] vector → pooler (dense + tanh) → dense with 2 outputs → IsNext / NotNext.
    """
    tokens = ["[CLS]", "my", "[MASK]", "is", "cute", "[SEP]", "he", "likes", "[MASK]", "[SEP]"]
    fig, axes = new_figure(figsize=(12, 6.5))
    ax = canvas(axes[0, 0], (0, 12), (0, 8.0), "Pre-training heads: masked LM and next-sentence prediction")
    cell = 1.15
    left = 0.35
    for i, token in enumerate(tokens):
        xc = left + i * cell + 0.5
        box(ax, xc - 0.5, 0.2, 1.0, 0.5, token, color=BLACK, alpha=0.06, fontsize=FONT - 1)
        arrow(ax, (xc, 0.7), (xc, 1.2), color=GREY)
        box(ax, xc - 0.5, 2.2, 1.0, 0.5, f"T$_{{{i}}}$" if i else "C", color=SKY, fontsize=FONT - 1)
        arrow(ax, (xc, 1.8), (xc, 2.2), color=GREY)
    box(ax, left, 1.2, len(tokens) * cell - 0.15, 0.6, "BERT encoder (L blocks)", color=BLUE)
    # NSP on [CLS]
    xc = left + 0.5
    nsp = [("Pooler: dense + tanh", GREEN), ("Dense → 2 logits", GREEN), ("softmax: IsNext / NotNext", GREEN)]
    ys = _stack(ax, xc - 0.45, 3.4, 3.1, nsp, height=0.6, gap=0.45)
    arrow(ax, (xc, 2.7), (xc, 3.4))
    label(ax, xc + 1.1, ys[-1] + 1.05, "NSP head on [CLS]", bold=True, color=GREEN)
    # MLM on masked positions
    mask_x = [left + i * cell + 0.5 for i, t in enumerate(tokens) if t == "[MASK]"]
    mx = 6.6
    mlm = [("Transform: dense + GELU + LayerNorm", ORANGE),
           ("× token-embedding matrixᵀ (tied) + bias", ORANGE), ("softmax over the vocabulary", ORANGE)]
    ys = _stack(ax, mx - 0.2, 4.0, 5.0, mlm, height=0.6, gap=0.45)
    for x in mask_x:
        arrow(ax, (x, 2.7), (mx + 2.3, 4.0), color=ORANGE)
    label(ax, mx + 2.3, ys[-1] + 1.05, "Masked-LM head on masked positions only", bold=True, color=ORANGE)
    label(ax, mx + 2.3, ys[-1] + 1.55, "→ “dog”, “play”", italic=True)
    label(ax, mx + 2.3, 3.35, "tied: the input token-embedding table, reused", italic=True, color=GREY_TEXT,
          fontsize=FONT - 1)
    return fig


def finetuning_tasks_diagram() -> Figure:
    """The paper's Figure 4: one pre-trained encoder, four task shapes, each a small output layer.

    (a) sentence-pair classification and (b) single-sentence classification read the [CLS] vector C;
    (c) span extraction (question answering) scores every paragraph token as a start and as an end;
    (d) token tagging labels every token.
    """
    fig, axes = new_figure(2, 2, figsize=(13, 8.5))
    panels = [
        ("(a) Sentence-pair classification\n(MNLI, QQP, STS-B, ...)",
         ["[CLS]", "Tok 1", "…", "[SEP]", "Tok 1", "…", "[SEP]"], "class", {0: "Class label"}),
        ("(b) Single-sentence classification\n(SST-2, CoLA, spam)",
         ["[CLS]", "Tok 1", "Tok 2", "…", "Tok N", "[SEP]"], "class", {0: "Class label"}),
        ("(c) Span extraction: question answering\n(SQuAD)",
         ["[CLS]", "Question", "[SEP]", "Tok 1", "Tok 2", "…", "[SEP]"], "span", {4: "Start", 5: "End"}),
        ("(d) Token tagging\n(named entities, CoNLL-2003)",
         ["[CLS]", "Tok 1", "Tok 2", "Tok 3", "…", "[SEP]"], "tags", {1: "B-PER", 2: "I-PER", 3: "O", 4: "O"}),
    ]
    for ax, (title, tokens, kind, outputs) in zip(axes.ravel(), panels, strict=True):
        _task_panel(ax, title, tokens, kind, outputs)
    return fig


def _task_panel(ax, title: str, tokens: Sequence[str], kind: str, outputs: dict[int, str]) -> None:
    n = len(tokens)
    cell = 0.95
    width = n * cell + 0.4
    canvas(ax, (0, max(width, 7.2)), (0, 5.4), title)
    for i, token in enumerate(tokens):
        xc = 0.2 + i * cell + cell / 2
        seg_b = kind == "class" and "[SEP]" in tokens[:i] and tokens.count("[SEP]") > 1 or (
            kind == "span" and i > 2)
        color = PINK if seg_b else GREEN
        box(ax, xc - 0.42, 0.3, 0.84, 0.55, token, color=color if token != "[CLS]" else BLACK, alpha=0.15,
            fontsize=FONT - 2)
        arrow(ax, (xc, 0.85), (xc, 1.3), color=GREY)
        arrow(ax, (xc, 2.3), (xc, 2.7), color=GREY)
        box(ax, xc - 0.42, 2.7, 0.84, 0.5, "C" if i == 0 else f"T$_{{{i}}}$", color=SKY, fontsize=FONT - 2)
        if i in outputs:
            xo = xc if kind != "class" else xc + 0.6
            arrow(ax, (xc, 3.2), (xo, 3.9), color=ORANGE)
            box(ax, xo - 0.42 if kind != "class" else xo - 0.3, 3.9, 0.84 if kind != "class" else 1.6, 0.55,
                outputs[i], color=ORANGE, fontsize=FONT - 2)
    box(ax, 0.2, 1.3, n * cell, 1.0, "BERT (pre-trained, all weights fine-tuned)", color=BLUE)
    if kind == "span":
        label(ax, 0.2 + n * cell / 2, 4.95, "start / end scores: dot product of each T$_i$ with S and E",
              italic=True, fontsize=FONT - 2)
    elif kind == "tags":
        label(ax, 0.2 + n * cell / 2, 4.95, "a softmax over labels at every token", italic=True, fontsize=FONT - 2)
    else:
        label(ax, 0.2 + n * cell / 2, 4.95, "a softmax layer on C (the [CLS] vector)", italic=True,
              fontsize=FONT - 2)
