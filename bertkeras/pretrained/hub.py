"""A real pre-trained BERT from keras-hub in bertkeras layers, or a same-shaped stand-in when offline.

keras-hub publishes Google's BERT checkpoints as presets (downloaded from Kaggle on first use).
:func:`load_keras_hub_bert` downloads one, converts it with :func:`bertkeras.pretrained.convert.from_keras_hub` and
wraps keras-hub's vocabulary in a :class:`~bertkeras.WordPieceTokenizer`. Without internet (and in CI)
it does not hang on the network: a 3-second connectivity check decides, and any failure falls back to a
*randomly initialised* keras-hub backbone of the preset's shape (L, H, A) with a vocabulary trained on
``fallback_texts``. ``HubBert.real_weights`` says which of the two you got; always print it.

:func:`load_keras_hub_preset` is the strict form behind ``bertkeras.load_pretrained("bert_base_en_uncased")``:
no stand-in, a failed download is an error.

Example:
    >>> texts = ["the cat sat on the mat", "a dog ran in the park"] * 20
    >>> bert = load_keras_hub_bert("bert_tiny_en_uncased", fallback_texts=texts, offline=True)
    >>> bert.real_weights, bert.backbone.num_layers, bert.backbone.hidden_dim
    (False, 2, 128)
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from bertkeras.model.backbone import BertBackbone
from bertkeras.model.config import BertConfig
from bertkeras.model.pretrainer import BertPretrainer
from bertkeras.pretrained.convert import from_keras_hub
from bertkeras.pretrained.directory import PretrainedBert
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

OFFLINE_ENV = "BERTKERAS_OFFLINE"
# keras-hub preset: (bertkeras size preset, vocabulary size, lowercase). The sizes are those of the released
# checkpoints (Devlin et al., 2018; Turc et al., 2019); the parameter counts keras-hub lists match them.
KERAS_HUB_BERT: dict[str, tuple[str, int, bool]] = {
    "bert_tiny_en_uncased": ("tiny", 30522, True),
    "bert_small_en_uncased": ("small", 30522, True),
    "bert_medium_en_uncased": ("medium", 30522, True),
    "bert_base_en_uncased": ("base", 30522, True),
    "bert_base_en": ("base", 28996, False),
    "bert_large_en_uncased": ("large", 30522, True),
    "bert_large_en": ("large", 28996, False),
}


def internet_available(host: str = "www.kaggle.com", port: int = 443, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``timeout`` seconds (DNS included).

    The lookup and the connection run in a daemon thread, so a resolver that never answers cannot block
    the caller for longer than ``timeout`` either.
    """
    result: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


@dataclass
class HubBert:
    """What :func:`load_keras_hub_bert` returns."""

    backbone: BertBackbone  # bertkeras layers holding the weights
    hub_backbone: object  # the keras_hub.models.BertBackbone they were copied from
    tokenizer: WordPieceTokenizer
    preset: str
    real_weights: bool  # True: Google's pre-trained weights; False: random stand-in of the same shape
    source: str  # where the weights came from, or why the download was not used

    def describe(self) -> str:
        kind = "pre-trained weights" if self.real_weights else "RANDOM weights (offline stand-in)"
        b = self.backbone
        return (f"{self.preset}: {kind}, L={b.num_layers} H={b.hidden_dim} A={b.num_heads}, "
                f"vocabulary {self.tokenizer.vocabulary_size:,} | {self.source}")


def download_preset(preset: str, lowercase: bool):
    """(keras-hub backbone, :class:`WordPieceTokenizer`) of ``preset``, downloaded (or cached) by keras-hub."""
    # keras-hub is heavy and loads TensorFlow: imported only when a preset is actually used.
    import keras_hub

    hub = keras_hub.models.BertBackbone.from_preset(preset)
    vocabulary = keras_hub.models.BertTokenizer.from_preset(preset).get_vocabulary()
    return hub, WordPieceTokenizer(list(vocabulary), lowercase=lowercase)


def _stand_in(size: str, lowercase: bool, texts, vocabulary_size: int):
    import keras_hub  # heavy, loads TensorFlow: only when a stand-in is built

    if texts is None:
        raise ValueError("the download was not possible and no fallback_texts were given; pass "
                         "fallback_texts=<a list of strings> to train a vocabulary for the offline stand-in")
    tokenizer = WordPieceTokenizer.train(texts, vocabulary_size, lowercase=lowercase)
    config = BertConfig.from_preset(size, vocabulary_size=tokenizer.vocabulary_size)
    hub = keras_hub.models.BertBackbone(
        vocabulary_size=config.vocabulary_size, num_layers=config.num_layers, num_heads=config.num_heads,
        hidden_dim=config.hidden_dim, intermediate_dim=config.intermediate_dim,
        max_sequence_length=config.max_sequence_length, num_segments=config.num_segments, dropout=config.dropout)
    return hub, tokenizer


def load_keras_hub_bert(preset: str = "bert_tiny_en_uncased", *, fallback_texts=None,
                        fallback_vocabulary_size: int = 2000, offline: bool | None = None, timeout: float = 3.0,
                        **backbone_kwargs) -> HubBert:
    """A keras-hub BERT preset as a bertkeras :class:`BertBackbone` plus its tokenizer.

    Args:
        preset: a keras-hub BERT preset name (see ``KERAS_HUB_BERT``).
        fallback_texts: texts to train the stand-in's vocabulary on, used only when the download fails.
        fallback_vocabulary_size: size of that vocabulary.
        offline: True skips the download; None (default) skips it when ``BERTKERAS_OFFLINE=1`` is set or
            Kaggle does not answer within ``timeout`` seconds.
        timeout: seconds the connectivity check may take.
        **backbone_kwargs: extra :class:`BertBackbone` arguments (e.g. ``return_attention_scores=True``).
    """
    if preset not in KERAS_HUB_BERT:
        raise ValueError(f"unknown keras-hub BERT preset {preset!r}; choose one of {list(KERAS_HUB_BERT)}")
    size, _, lowercase = KERAS_HUB_BERT[preset]
    if offline is None:
        offline = os.environ.get(OFFLINE_ENV, "") not in ("", "0")
        reason = f"{OFFLINE_ENV} is set" if offline else ""
        if not offline and not internet_available(timeout=timeout):
            offline, reason = True, f"no connection to Kaggle within {timeout:g} s"
    else:
        reason = "offline=True"
    hub, real = None, False
    if not offline:
        try:
            hub, tokenizer = download_preset(preset, lowercase)
            real, source = True, f"downloaded by keras-hub ({preset})"
        except Exception as error:  # noqa: BLE001  (any download or format failure -> the stand-in)
            reason = f"download failed: {type(error).__name__}: {str(error)[:200]}"
    if hub is None:
        hub, tokenizer = _stand_in(size, lowercase, fallback_texts, fallback_vocabulary_size)
        source = f"{reason}; random keras-hub backbone of the same shape, vocabulary trained on fallback_texts"
    return HubBert(from_keras_hub(hub, **backbone_kwargs), hub, tokenizer, preset, real_weights=real, source=source)


def load_keras_hub_preset(preset: str, *, lowercase: bool | None = None, **backbone_kwargs) -> PretrainedBert:
    """A keras-hub BERT preset as a :class:`PretrainedBert`: the backbone converted, the masked-LM head random.

    Unlike :func:`load_keras_hub_bert` there is no stand-in: a failed download raises :class:`OSError`.
    keras-hub's BERT presets ship the backbone only, so ``metrics["randomly_initialized"]`` says
    ``["mlm_head"]`` and there is no NSP head.
    """
    if preset not in KERAS_HUB_BERT:
        raise ValueError(f"unknown keras-hub BERT preset {preset!r}; choose one of {list(KERAS_HUB_BERT)}")
    _, _, preset_lowercase = KERAS_HUB_BERT[preset]
    lowercase = preset_lowercase if lowercase is None else lowercase
    try:
        hub, tokenizer = download_preset(preset, lowercase)
    except Exception as error:  # noqa: BLE001  (any network or format failure: say so, never a random stand-in)
        raise OSError(f"could not download keras-hub preset {preset!r} ({type(error).__name__}: {str(error)[:200]}); "
                      "connect to the internet (Kaggle) once so keras-hub caches it, or pass a local "
                      "directory") from None
    backbone = from_keras_hub(hub, **backbone_kwargs)
    pretrainer = BertPretrainer(backbone, use_nsp=False)
    return PretrainedBert(backbone, pretrainer, tokenizer, backbone.bert_config, Path(preset),
                          {"randomly_initialized": ["mlm_head"], "source": f"keras-hub preset {preset}"})


__all__ = ["KERAS_HUB_BERT", "OFFLINE_ENV", "HubBert", "download_preset", "internet_available",
           "load_keras_hub_bert", "load_keras_hub_preset"]
