"""transformers 4's TensorFlow ``tf_model.h5`` (a stored fixture: transformers 5 cannot write one) into bertkeras.

tests/fixtures/hf_tf_bert holds a random TFBertForPreTraining saved by transformers 4.57.6 and its outputs on the
batch of tests.pretrained.google_layout (see make_fixture.py there); torch is not needed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from bertkeras.pretrained.checkpoints import load_checkpoint
from tests.pretrained.google_layout import VOCAB, batch

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "hf_tf_bert"


def test_tf_model_h5_matches_transformers_4_tf_outputs(tmp_path):
    directory = tmp_path / "model"
    directory.mkdir()
    for name in ("config.json", "tf_model.h5"):
        shutil.copy(FIXTURE / name, directory / name)
    (directory / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    (directory / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    pretrained = load_checkpoint(directory)
    assert pretrained.config.hidden_activation == "gelu_exact" and pretrained.pretrainer.nsp_head is not None
    expected = np.load(FIXTURE / "expected.npz")
    x = batch()
    backbone = pretrained.backbone(x, training=False)
    positions = np.tile(np.arange(12, dtype=np.int32), (2, 1))
    heads = pretrained.pretrainer({**x, "mask_positions": positions}, training=False)
    ours = {"sequence_output": backbone["sequence_output"], "pooled_output": backbone["pooled_output"],
            "mlm_logits": heads["mlm_logits"], "nsp_logits": heads["nsp_logits"]}
    real = x["padding_mask"].astype(bool)
    for name, value in ours.items():
        a, b = np.asarray(value), expected[name]
        if name in ("sequence_output", "mlm_logits"):
            a, b = a[real], b[real]
        diff = float(np.abs(a - b).max())
        print(f"{name}: max |diff| {diff:.2e}")
        assert diff < 2e-5, f"{name}: {diff:.3g}"
