"""The tiny BERT shipped inside the package (bertkeras/pretrained/tiny_bert): complete, documented, and far better than chance.

Notebooks 06-09 and `bertkeras demo` start from it, so it must load from a clean clone, carry its
model card, and have learned English: its held-out MLM accuracy is far above the most-frequent-token
baseline and it fills easy blanks.
"""

from __future__ import annotations

import dataclasses

import pytest

from bertkeras.pretrained import SHIPPED_TINY, load_pretrained

# Easy blanks from the kind of text it was trained on (news and film reviews), none copied from it. A model
# this small (L=2, H=128, 16k CPU steps) fills the commonest contexts and misses rarer ones (e.g. a
# director's surname), so the test asks for at least half of them; a model that only knows the frequent
# tokens ("the", ",", ".") fills none.
EASY = [
    ("the prime [MASK] said the government would cut taxes.", {"minister"}),
    ("shares in the company [MASK] sharply on friday.", {"fell", "rose"}),
    ("this is one of the best films i have ever [MASK].", {"seen"}),
    ("the film was directed by steven [MASK].", {"spielberg"}),
    ("this movie was a complete waste of [MASK].", {"time"}),
    ("the acting was terrible and the [MASK] made no sense.", {"plot", "story"}),
    ("i would [MASK] this film to anyone.", {"recommend"}),
    ("he scored two [MASK] in the second half.", {"goals"}),
    ("the company reported a [MASK] in profits.", {"rise", "fall"}),
    ("the special [MASK] were amazing.", {"effects"}),
    ("the bank of [MASK] raised interest rates.", {"england"}),
    ("the [MASK] minister tony blair spoke to reporters.", {"prime"}),
]


@pytest.fixture(scope="module")
def shipped():
    return load_pretrained()


def test_shipped_model_is_complete_and_small():
    names = {p.name for p in SHIPPED_TINY.iterdir()}
    assert {"config.json", "vocab.txt", "pretrainer.weights.h5", "metrics.json", "MODEL_CARD.md"} <= names
    size = sum(p.stat().st_size for p in SHIPPED_TINY.iterdir())
    assert size < 25 * 2**20, f"bertkeras/pretrained/tiny_bert is {size / 2**20:.1f} MB; the limit is 25 MB"


def test_shipped_model_is_tiny_and_far_above_the_baselines(shipped):
    config = shipped.config
    assert (config.num_layers, config.hidden_dim, config.num_heads) == (2, 128, 2)
    held, base = shipped.metrics["held_out"], shipped.metrics["baselines"]
    assert held["mlm_accuracy"] >= 3 * base["mlm_accuracy_most_frequent_token"], (held, base)
    assert held["nsp_accuracy"] > base.get("nsp_accuracy_majority", 0.5), (held, base)
    card = (SHIPPED_TINY / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"{held['mlm_accuracy']:.3f}" in card and "command" in card and "seed" in card


def blanks_filled(model) -> tuple[int, str]:
    """How many EASY blanks have a wanted word in ``model``'s top 5, and a report of every guess."""
    filled, report = 0, []
    for sentence, wanted in EASY:
        top5 = [token for token, _ in model.fill_mask(sentence, top_k=5)[0]]
        filled += bool(wanted & set(top5))
        report.append(f"{sentence!r}: top-5 {top5}, wanted one of {sorted(wanted)}")
    return filled, "\n".join(report)


def test_shipped_model_fills_easy_blanks(shipped):
    filled, report = blanks_filled(shipped)
    assert filled >= len(EASY) // 2, f"{filled} of {len(EASY)} blanks filled:\n{report}"


def test_the_same_model_untrained_fills_almost_none(shipped):
    """The check above can fail: random weights with the same vocabulary fill (nearly) no blank."""
    import keras

    from bertkeras.model.backbone import BertBackbone
    from bertkeras.model.pretrainer import BertPretrainer

    keras.utils.set_random_seed(0)
    backbone = BertBackbone.from_bert_config(shipped.config)
    untrained = dataclasses.replace(shipped, backbone=backbone, pretrainer=BertPretrainer(backbone, use_nsp=True))
    filled, report = blanks_filled(untrained)
    assert filled <= 1, f"an untrained model filled {filled} blanks:\n{report}"
