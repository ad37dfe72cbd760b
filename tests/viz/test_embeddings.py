"""bertkeras.viz.embeddings: the input-embedding heat maps and the 2-D PCA projections."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

import bertkeras
from bertkeras.viz import figure_png
from bertkeras.viz.embeddings import embedding_parts_plot, pca_2d, projection_plot

TOKENS = ["[CLS]", "the", "cat", "[SEP]", "it", "[SEP]"]


def test_parts_plot_of_a_real_embedding_layer():
    layer = bertkeras.BertEmbedding(vocabulary_size=40, hidden_dim=16, max_sequence_length=8)
    token_ids = np.array([[2, 11, 12, 3, 13, 3]])
    segment_ids = np.array([[0, 0, 0, 0, 1, 1]])
    parts = {k: np.asarray(v) for k, v in layer(token_ids, segment_ids, return_parts=True).items()}
    fig = embedding_parts_plot(parts, TOKENS)
    assert figure_png(fig).startswith(b"\x89PNG")  # renders headless (Agg)
    panels = fig.axes[:5]
    assert [ax.get_title() for ax in panels] == ["token", "segment", "position", "sum of the three", "after LayerNorm"]
    assert len(fig.axes) == 7  # five maps, the shared colour bar and LayerNorm's own
    for ax, name in zip(panels, ["token", "segment", "position", "sum", "output"], strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), parts[name][0])
    np.testing.assert_allclose(parts["sum"][0], parts["token"][0] + parts["segment"][0] + parts["position"][0],
                               atol=1e-6)
    assert [t.get_text() for t in panels[0].get_yticklabels()] == TOKENS
    shared = max(np.abs(parts[k]).max() for k in ("token", "segment", "position", "sum"))
    assert all(ax.images[0].get_clim() == pytest.approx((-shared, shared)) for ax in panels[:4])
    own = np.abs(parts["output"]).max()
    assert panels[4].images[0].get_clim() == pytest.approx((-own, own))


def test_parts_plot_computes_the_sum_and_crops_dimensions():
    rng = np.random.default_rng(0)
    parts = {k: rng.normal(size=(6, 100)) for k in ("token", "segment", "position")}
    fig = embedding_parts_plot(parts, TOKENS, max_dims=10)
    assert len(fig.axes) == 5
    np.testing.assert_allclose(fig.axes[3].images[0].get_array(),
                               (parts["token"] + parts["segment"] + parts["position"])[:, :10], rtol=1e-6)
    assert fig.axes[0].images[0].get_array().shape == (6, 10)


def test_parts_plot_errors():
    good = {k: np.zeros((6, 4)) for k in ("token", "segment", "position")}
    with pytest.raises(ValueError, match=r"lacks \['segment'\]"):
        embedding_parts_plot({"token": good["token"], "position": good["position"]}, TOKENS)
    with pytest.raises(ValueError, match=r"must be \(tokens, hidden\) = \(5, H\)"):
        embedding_parts_plot(good, TOKENS[:5])


def test_pca_matches_sklearn_up_to_sign_and_is_deterministic():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(50, 12)) * np.linspace(3, 0.1, 12)
    ours = pca_2d(vectors)
    theirs = PCA(n_components=2).fit_transform(vectors)
    np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-8)
    np.testing.assert_allclose(pca_2d(-vectors), -ours, atol=1e-8)  # sign fixed by the loadings, not by chance
    assert ours[:, 0].var() >= ours[:, 1].var()
    assert pca_2d(np.array([[0.0], [1.0], [3.0]])).shape == (3, 2)
    with pytest.raises(ValueError, match=r"\(n, d\) with n >= 2"):
        pca_2d(np.zeros(5))


def scatter_points(ax):
    return [np.asarray(c.get_offsets()) for c in ax.collections]


def test_projection_one_panel_coloured_by_label():
    rng = np.random.default_rng(2)
    vectors, labels = rng.normal(size=(30, 6)), rng.integers(0, 3, size=30)
    fig = projection_plot(vectors, labels, label_names=["sport", "tech", "politics"])
    (ax,) = fig.axes
    projected = pca_2d(vectors)
    for label, points in enumerate(scatter_points(ax)):
        np.testing.assert_allclose(points, projected[labels == label])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sport", "tech", "politics"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("principal component 1", "principal component 2")


def test_projection_before_and_after_fine_tuning():
    rng = np.random.default_rng(3)
    labels = np.array(["ham"] * 10 + ["spam"] * 10)
    before = rng.normal(size=(20, 8))
    after = before + 5 * (labels == "spam")[:, None]
    fig = projection_plot(before, labels, after=after)
    assert figure_png(fig).startswith(b"\x89PNG")
    assert [ax.get_title() for ax in fig.axes] == ["before fine-tuning", "after fine-tuning"]
    for ax, vectors in zip(fig.axes, [before, after], strict=True):
        projected = pca_2d(vectors)
        np.testing.assert_allclose(scatter_points(ax)[1], projected[labels == "spam"])
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ham", "spam"]
    gap_after = abs(scatter_points(fig.axes[1])[0][:, 0].mean() - scatter_points(fig.axes[1])[1][:, 0].mean())
    assert gap_after > 10  # the separated classes lie apart along the first component
    with pytest.raises(ValueError, match="one label per vector"):
        projection_plot(before, labels[:5])
    with pytest.raises(ValueError, match="has no name"):
        projection_plot(before, np.arange(20) % 3, label_names=["a", "b"])
