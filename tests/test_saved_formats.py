"""Files written before the subpackage move (issue #19) still load, with the same numbers.

Keras finds a saved layer by its registered name (``bertkeras>BertBackbone``), never by its module path,
so moving modules must not change those names; and the directory formats of a pretrained model and a
fine-tuned classifier are read by ``load_pretrained`` and ``TextClassifier.load`` as before.
``fixtures/classifier_v1`` was saved by main's code before the move (see ``fixtures/README.md``).
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

import bertkeras
from bertkeras.finetuning.text_classifier import TextClassifier
from bertkeras.pretrained import SHIPPED_TINY, load_pretrained

FIXTURES = Path(__file__).resolve().parent / "fixtures"

REGISTERED = ("BertBackbone BertClassifier BertTokenTagger BertSpanExtractor TransformerEncoderBlock BertSelfAttention "
              "MaskedLMPerplexity BertPretrainer MaskedLMHead NSPHead ClassificationHead TokenTaggingHead SpanHead "
              "BertEmbedding WarmupLinearDecay FastWordPieceTokenizer").split()


@pytest.mark.parametrize("name", REGISTERED)
def test_registered_keras_names_do_not_depend_on_module_paths(name):
    modules = {"MaskedLMPerplexity": "bertkeras.model.pretrainer"}
    cls = getattr(bertkeras, name) if name in bertkeras.PUBLIC_NAMES else getattr(
        __import__(modules[name], fromlist=[name]), name)
    assert keras.saving.get_registered_name(cls) == f"bertkeras>{name}"
    assert keras.saving.get_registered_object(f"bertkeras>{name}") is cls


def test_the_shipped_tiny_model_loads():
    model = load_pretrained()
    assert model.path == SHIPPED_TINY
    batch = model.tokenizer(["the prime minister said"], max_length=16)
    out = model.backbone(batch, training=False)
    assert out["sequence_output"].shape == (1, 16, model.backbone.bert_config.hidden_dim)
    assert np.isfinite(np.asarray(out["sequence_output"])).all()
    assert "prime" in [word for word, _ in model.fill_mask("the [MASK] minister tony blair spoke to reporters.", top_k=5)[0]]


def test_a_classifier_saved_before_the_move_loads_with_the_same_outputs():
    expected = json.loads((FIXTURES / "classifier_v1_expected.json").read_text())
    classifier = TextClassifier.load(FIXTURES / "classifier_v1")
    assert classifier.label_names == ("ham", "spam") and classifier.threshold == 0.4
    texts = [t if isinstance(t, str) else tuple(t) for t in expected["texts"]]
    np.testing.assert_allclose(classifier.predict_proba(texts), expected["probabilities"], atol=1e-6)


@pytest.mark.parametrize("imports", ["import bertkeras, keras", "import keras, bertkeras"])
def test_after_import_bertkeras_keras_loads_a_saved_bertkeras_model(tmp_path, imports):
    """``import bertkeras`` is lazy, yet the Keras classes are registered by the time Keras loads a file."""
    import subprocess
    import sys

    from bertkeras import BertBackbone, BertClassifier

    backbone = BertBackbone(vocabulary_size=20, num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
                            max_sequence_length=16)
    model = BertClassifier(backbone, 2)
    x = {k: np.ones((1, 8), "int32") for k in ("token_ids", "padding_mask")} | {"segment_ids": np.zeros((1, 8), "int32")}
    expected = np.asarray(model(x))
    model.save(tmp_path / "model.keras")
    script = (f"{imports}\nimport numpy as np, sys\nmodel = keras.saving.load_model(sys.argv[1])\n"
              "x = {k: np.ones((1, 8), 'int32') for k in ('token_ids', 'padding_mask')}\n"
              "x['segment_ids'] = np.zeros((1, 8), 'int32')\nnp.save(sys.argv[2], np.asarray(model(x)))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "model.keras"), str(tmp_path / "out.npy")],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-6)
