"""BertConfig: presets with BERT's exact parameter counts, validation naming the field, JSON round trip."""

from __future__ import annotations

import pytest

from bertkeras import BertBackbone, BertConfig

EXPECTED = {"tiny": 4_385_920, "mini": 11_170_560, "small": 28_763_648, "medium": 41_373_184,
            "base": 109_482_240, "large": 335_141_888}


@pytest.mark.parametrize("preset", list(EXPECTED))
def test_formula_matches_bert(preset):
    assert BertConfig.from_preset(preset).num_parameters() == EXPECTED[preset]


@pytest.mark.parametrize("preset", ["tiny", "mini", "small", "medium", "base"])
def test_built_backbone_has_exactly_berts_parameter_count(preset):
    backbone = BertBackbone.from_bert_config(BertConfig.from_preset(preset))
    assert backbone.count_params() == EXPECTED[preset]


def test_presets_follow_the_paper():
    base, large = BertConfig.from_preset("base"), BertConfig.from_preset("large")
    assert (base.num_layers, base.hidden_dim, base.num_heads) == (12, 768, 12)
    assert (large.num_layers, large.hidden_dim, large.num_heads) == (24, 1024, 16)
    assert all(BertConfig.from_preset(p).intermediate_dim == 4 * BertConfig.from_preset(p).hidden_dim
               for p in EXPECTED)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"hidden_dim": 100, "num_heads": 3}, "hidden_dim"), ({"num_layers": 0}, "num_layers"),
     ({"vocabulary_size": -5}, "vocabulary_size"), ({"max_sequence_length": 0}, "max_sequence_length"),
     ({"dropout": 1.5}, "dropout"), ({"intermediate_dim": 2.5}, "intermediate_dim")],
)
def test_invalid_configs_name_the_field(changes, field):
    with pytest.raises(ValueError, match=f"BertConfig.{field}"):
        BertConfig.from_preset("tiny", **changes)


def test_json_round_trip_and_unknown_fields(tmp_path):
    config = BertConfig.from_preset("mini", vocabulary_size=8000, dropout=0.05)
    assert BertConfig.from_json(config.to_json()) == config
    config.save(tmp_path / "config.json")
    assert BertConfig.load(tmp_path / "config.json") == config
    with pytest.raises(ValueError, match="unknown BertConfig field"):
        BertConfig.from_json('{"hidden_size": 768}')
    with pytest.raises(FileNotFoundError, match="no BertConfig"):
        BertConfig.load(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="unknown preset"):
        BertConfig.from_preset("huge")


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        BertConfig().hidden_dim = 5  # type: ignore[misc]
