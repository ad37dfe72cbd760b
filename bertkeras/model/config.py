"""``BertConfig``: every size of a BERT model in one frozen, commented dataclass.

The presets are the BERT sizes of the paper and of the 24 smaller models Google released later
(Turc et al., 2019, "Well-read students learn better"): L layers, H hidden units, A attention heads,
with the feed-forward width 4·H. With BERT's English vocabulary (30,522 WordPieces) and 512 positions
their backbones (embeddings + encoder + pooler, no pre-training heads) have exactly:

============  ==  ====  ==  ============
preset        L   H     A   parameters
============  ==  ====  ==  ============
tiny          2   128   2     4,385,920
mini          4   256   4    11,170,560
small         4   512   8    28,763,648
medium        8   512   8    41,373,184
base          12  768   12  109,482,240
large         24  1024  16  335,141,888
============  ==  ====  ==  ============

Example:
    >>> config = BertConfig.from_preset("base")
    >>> config.num_layers, config.hidden_dim, config.num_heads, config.intermediate_dim
    (12, 768, 12, 3072)
    >>> config.num_parameters()
    109482240
    >>> BertConfig.from_preset("tiny", vocabulary_size=8000).vocabulary_size
    8000
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from bertkeras.files import atomic_write_text

# The GELUs a BertConfig can name. Checkpoints differ: google-research/bert (and keras-hub) compute
# 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), Hugging Face's "gelu" is the exact x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
# The two differ by up to ~1e-3 per unit, enough to move a converted model's outputs visibly.
ACTIVATIONS = ("gelu_approximate", "gelu_exact")

PRESETS: dict[str, tuple[int, int, int]] = {  # name: (num_layers L, hidden_dim H, num_heads A)
    "tiny": (2, 128, 2),
    "mini": (4, 256, 4),
    "small": (4, 512, 8),
    "medium": (8, 512, 8),
    "base": (12, 768, 12),
    "large": (24, 1024, 16),
}


@dataclass(frozen=True)
class BertConfig:
    """The shape and regularisation of a BERT model; the defaults are BERT-base's.

    Layers take these as flat keyword arguments (``BertBackbone(**config.backbone_kwargs())``), so the
    config is a convenience for presets, validation and saving, never a hidden dependency.
    """

    vocabulary_size: int = 30522  # WordPieces in the vocabulary (BERT's English uncased: 30,522)
    num_layers: int = 12  # L: Transformer encoder blocks stacked on the embeddings
    num_heads: int = 12  # A: attention heads per block; hidden_dim must divide evenly between them
    hidden_dim: int = 768  # H: width of every token vector between blocks
    intermediate_dim: int = 3072  # width of the feed-forward layer inside each block (4·H in BERT)
    max_sequence_length: int = 512  # rows of the learned position-embedding table: the longest input
    num_segments: int = 2  # rows of the segment-embedding table: sentence A and sentence B
    dropout: float = 0.1  # dropout on embeddings, attention outputs and feed-forward outputs
    attention_dropout: float = 0.1  # dropout on the attention probabilities themselves
    layer_norm_epsilon: float = 1e-12  # BERT's LayerNorm epsilon (tiny: the statistics are float32)
    initializer_range: float = 0.02  # std of the truncated-normal initialiser of every weight matrix
    normalize_first: bool = False  # False: post-LN as in BERT; True: pre-LN (more stable when deep)
    # The GELU of the feed-forward layers and the masked-LM transform (see ``ACTIVATIONS``):
    # "gelu_approximate" is google-research/bert's tanh form, "gelu_exact" the erf form of HF's "gelu".
    hidden_activation: str = "gelu_approximate"

    def __post_init__(self) -> None:
        for name in ("vocabulary_size", "num_layers", "num_heads", "hidden_dim", "intermediate_dim",
                     "max_sequence_length", "num_segments"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"BertConfig.{name} must be a positive integer, got {value!r}")
        if self.hidden_dim % self.num_heads:
            raise ValueError(
                f"BertConfig.hidden_dim ({self.hidden_dim}) must be divisible by num_heads ({self.num_heads}): "
                f"each head gets hidden_dim / num_heads dimensions. Pick e.g. num_heads="
                f"{max(h for h in range(1, self.num_heads + 1) if self.hidden_dim % h == 0)}."
            )
        for name in ("dropout", "attention_dropout"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"BertConfig.{name} must be in [0, 1), got {value!r}")
        if self.hidden_activation not in ACTIVATIONS:
            raise ValueError(f"BertConfig.hidden_activation must be one of {list(ACTIVATIONS)}, got "
                             f"{self.hidden_activation!r}: 'gelu_approximate' is the tanh GELU of google-research/bert, "
                             "'gelu_exact' the erf GELU (Hugging Face's 'gelu')")
        for name in ("layer_norm_epsilon", "initializer_range"):
            if not getattr(self, name) > 0:
                raise ValueError(f"BertConfig.{name} must be positive, got {getattr(self, name)!r}")

    @classmethod
    def from_preset(cls, name: str, **overrides) -> BertConfig:
        """A preset size (``tiny`` … ``large``) with intermediate_dim = 4·H, plus any overrides."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {list(PRESETS)}")
        layers, hidden, heads = PRESETS[name]
        fields = {"num_layers": layers, "hidden_dim": hidden, "num_heads": heads, "intermediate_dim": 4 * hidden}
        return cls(**{**fields, **overrides})

    def replace(self, **changes) -> BertConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @property
    def head_dim(self) -> int:
        return self.hidden_dim // self.num_heads

    def num_parameters(self) -> int:
        """Backbone parameters, counted by formula (embeddings + L blocks + pooler)."""
        h, i = self.hidden_dim, self.intermediate_dim
        embeddings = (self.vocabulary_size + self.max_sequence_length + self.num_segments) * h + 2 * h
        attention = 4 * (h * h + h) + 2 * h  # Q, K, V, output projections + LayerNorm
        feed_forward = (h * i + i) + (i * h + h) + 2 * h  # two dense layers + LayerNorm
        pooler = h * h + h
        return embeddings + self.num_layers * (attention + feed_forward) + pooler

    def backbone_kwargs(self) -> dict:
        """The keyword arguments of :class:`bertkeras.BertBackbone`."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> BertConfig:
        """Parse a config written by :meth:`to_json`; unknown fields are an error, not ignored."""
        data = json.loads(text)
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"unknown BertConfig field(s) {unknown}; remove them or upgrade bertkeras")
        return cls(**data)

    def save(self, path: str | Path) -> None:
        """Write the config as JSON, atomically (temporary file, then rename)."""
        atomic_write_text(path, self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | Path) -> BertConfig:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no BertConfig at {path}; expected a JSON file written by BertConfig.save")
        return cls.from_json(path.read_text())
