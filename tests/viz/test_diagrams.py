"""bertkeras.viz.diagrams: each diagram is a Figure that carries the labels it promises."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from bertkeras import viz
from bertkeras.viz import diagrams
from bertkeras.viz.style import figure_png, new_figure


def texts(fig):
    return diagrams.figure_texts(fig)


def rendered(fig):
    """Draw the figure (mathtext and layout errors only show at draw time), then close it."""
    assert isinstance(fig, Figure)
    assert figure_png(fig, dpi=30).startswith(b"\x89PNG")
    found = texts(fig)
    plt.close(fig)
    return found


def test_encoder_decoder_diagram_keeps_the_encoder():
    found = rendered(viz.encoder_decoder_diagram())
    assert "BERT keeps only the encoder" in found
    assert "Encoder — BERT" in found
    assert any(t.startswith("Masked self-attention") for t in found)
    assert any(t.startswith("Cross-attention") for t in found)


def test_input_representation_diagram_default_tokens():
    found = rendered(viz.input_representation_diagram())
    for text in ("[CLS]", "##ing", "Token embeddings", "Segment embeddings", "Position embeddings",
                 "E(dog)", "E$_{10}$"):
        assert text in found
    assert found.count("E$_A$") == 6 and found.count("E$_B$") == 5  # A up to the first [SEP]


def test_input_representation_diagram_custom_tokens_and_segments():
    fig = viz.input_representation_diagram(["[CLS]", "hi", "[SEP]"], segments=[0, 0, 0])
    found = rendered(fig)
    assert "hi" in found and "E$_B$" not in found and found.count("E$_A$") == 3
    with pytest.raises(ValueError, match="segments"):
        viz.input_representation_diagram(["[CLS]", "hi"], segments=[0])


def test_encoder_block_diagram_is_post_ln():
    found = rendered(viz.encoder_block_diagram())
    assert found.count("Add & LayerNorm") == 2
    assert any("GELU" in t for t in found)
    assert any(t.startswith("Multi-head self-attention") for t in found)
    assert "× L" in found and found.count("residual") == 2


def test_pretraining_heads_diagram_names_both_heads():
    found = rendered(viz.pretraining_heads_diagram())
    assert "NSP head on [CLS]" in found and "Pooler: dense + tanh" in found
    assert "× token-embedding matrixᵀ (tied) + bias" in found
    assert "softmax over the vocabulary" in found and "[MASK]" in found


def test_finetuning_tasks_diagram_has_four_panels():
    fig = viz.finetuning_tasks_diagram()
    assert len(fig.axes) == 4
    found = rendered(fig)
    for text in ("Class label", "Start", "End", "B-PER", "[CLS]"):
        assert text in found
    assert any(t.startswith("(c) Span extraction") for t in found)


def test_primitives_are_shared():
    fig, axes = new_figure(figsize=(3, 2))
    ax = diagrams.canvas(axes[0, 0], (0, 4), (0, 2), "t")
    diagrams.box(ax, 0.2, 0.2, 1.0, 0.6, "a")
    diagrams.arrow(ax, (1.2, 0.5), (2.2, 0.5))
    diagrams.label(ax, 3.0, 0.5, "b")
    assert len(ax.patches) == 2
    assert set(rendered(fig)) >= {"t", "a", "b"}
