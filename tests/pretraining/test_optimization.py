"""Training code scopes Keras's global dtype policy: the caller's policy is the same afterwards.

``training_precision()`` picks mixed precision on a GPU and sets Keras's *global* policy so the models
built after it use it. Pre-training and fine-tuning use it as a context manager, so a notebook that
fine-tunes in mixed precision and then builds its own layers gets the policy it had, not the trainer's.
On this CPU the tests force a mixed policy through the same context manager the entry points use.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from bertkeras.datasets.derived_tasks import TaggedSplit, TaggingDataset
from bertkeras.finetuning import classification, token_tasks
from bertkeras.pretrained import load_pretrained
from bertkeras.pretraining import optimization
from bertkeras.pretraining import run as pretraining_run
from bertkeras.pretraining.optimization import training_precision
from tests.pretraining.test_run import TINY, write_corpus
from tests.tiny_pretrained import make_tiny_pretrained, toy_spam_dataset

CALLER = "mixed_float16"  # a policy the trainer would never choose on a CPU


def forced_mixed_bfloat16(use_gpu=None):
    """training_precision() as on a GPU of compute capability 8.0+: mixed_bfloat16 (XLA left off here)."""
    precision = optimization.training_precision(use_gpu=False)  # remembers the caller's policy
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    precision["policy"] = "mixed_bfloat16"
    return precision


@pytest.fixture
def caller_policy():
    keras.mixed_precision.set_global_policy(CALLER)
    yield CALLER
    keras.mixed_precision.set_global_policy("float32")


def test_the_context_manager_restores_the_policy_even_after_an_error(caller_policy):
    with pytest.raises(RuntimeError), training_precision(use_gpu=True) as precision:  # no GPU: mixed_float16
        assert keras.config.dtype_policy().name == precision["policy"] == "mixed_float16"
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        raise RuntimeError("training failed")
    assert keras.config.dtype_policy().name == caller_policy


def test_finetune_trains_in_mixed_precision_and_gives_the_policy_back(tmp_path, monkeypatch, caller_policy):
    pretrained = load_pretrained(make_tiny_pretrained(tmp_path / "tiny_bert"))
    monkeypatch.setattr(classification, "training_precision", forced_mixed_bfloat16)
    clf = classification.finetune(pretrained, None, toy_spam_dataset(sizes=(32, 8, 8)), epochs=1, batch_size=16,
                                  verbose=0)
    assert clf.info["precision"] == "mixed_bfloat16"
    assert clf.model.backbone.dtype_policy.name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == caller_policy


def test_token_task_fine_tuning_gives_the_policy_back(tmp_path, monkeypatch, caller_policy):
    pretrained = load_pretrained(make_tiny_pretrained(tmp_path / "tiny_bert"))
    monkeypatch.setattr(token_tasks, "training_precision", forced_mixed_bfloat16)
    words = [["free", "prize", "now"], ["see", "you", "at", "home"]] * 4
    labels = [np.array(y) for y in [[1, 0, 0], [0, 0, 0, 1]] * 4]
    split = TaggedSplit(words, labels, [" ".join(w) for w in words], np.zeros(len(words), np.int64))
    task = TaggingDataset("toy_tags", ("lower", "capitalised"), split, split, split)
    tagger = token_tasks.finetune_tagger(pretrained, None, task, epochs=1, batch_size=4, max_length=16, verbose=0)
    assert tagger.info["precision"] == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == caller_policy


def test_pretrain_trains_in_mixed_precision_and_gives_the_policy_back(tmp_path, monkeypatch, caller_policy):
    monkeypatch.setattr(pretraining_run, "training_precision", forced_mixed_bfloat16)
    corpus = write_corpus(tmp_path / "corpus.txt", documents=12)
    metrics = pretraining_run.pretrain(tmp_path / "run", config=TINY, corpus=str(corpus), steps=4, checkpoint_every=4,
                                       batch_size=4, max_sequence_length=32, vocabulary_size=100, verbose=0,
                                       eval_fraction=0.2)
    assert metrics["precision"] == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == caller_policy
