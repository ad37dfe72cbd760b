"""Hugging Face BERT directories in and out: ``transformers``-compatible files, read without torch.

A Hugging Face BERT directory (what ``BertForPreTraining.save_pretrained`` and ``BertTokenizer.save_pretrained``
write, or what ``hf://org/name`` downloads) holds::

    config.json              {"model_type": "bert", "hidden_size": 768, "hidden_act": "gelu", ...}
    model.safetensors        the weights (or model-0000N-of-0000M.safetensors + an index, or
                             pytorch_model.bin, which needs torch to read, or transformers 4's
                             TensorFlow tf_model.h5, read with h5py)
    vocab.txt                the WordPiece vocabulary (or tokenizer.json, whose vocabulary is used)
    tokenizer_config.json    {"do_lower_case": true, ...}

The weights are renamed to google-research/bert's names (``bert.encoder.layer.0.attention.self.query.weight``
becomes ``bert/encoder/layer_0/attention/self/query/kernel``, transposed from PyTorch's (out, in) to
(in, out)) and loaded by :func:`bertkeras.pretrained.google_names.pretrainer_from_google_weights`. The activation
follows the file: Hugging Face's ``"gelu"`` is the exact erf GELU (``gelu_exact``), its ``"gelu_new"``,
``"gelu_pytorch_tanh"`` and ``"gelu_fast"`` are the tanh form (``gelu_approximate``).

:func:`save_huggingface` writes the same layout back, so a bertkeras model opens in ``transformers``.

torch and huggingface_hub are optional: they are imported inside the one function that needs each
(reading ``pytorch_model.bin``, downloading ``hf://``), so everything else works without them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import h5py  # a Keras dependency: always installed
import numpy as np
from safetensors.numpy import load_file, save_file

from bertkeras.files import atomic_directory
from bertkeras.model.config import BertConfig
from bertkeras.pretrained.directory import PretrainedBert
from bertkeras.pretrained.google_names import (
    config_from_fields,
    expected_names,
    google_weights,
    pretrainer_from_google_weights,
)
from bertkeras.tokenization.vocabulary import load_vocabulary, validate_vocabulary
from bertkeras.tokenization.wordpiece import WordPieceTokenizer

HF_PREFIX = "hf://"

# Hugging Face hidden_act -> BertConfig.hidden_activation
HF_ACTIVATIONS = {"gelu": "gelu_exact", "gelu_new": "gelu_approximate", "gelu_pytorch_tanh": "gelu_approximate",
                  "gelu_fast": "gelu_approximate"}
# ... and back: "gelu_new" is the classic name of the tanh form, understood by every transformers version.
TO_HF_ACTIVATION = {"gelu_exact": "gelu", "gelu_approximate": "gelu_new"}
HF_FILES = ("config.json", "vocab.txt", "tokenizer_config.json", "tokenizer.json", "special_tokens_map.json")
SAFETENSORS_FILES = ("model.safetensors", "model.safetensors.index.json", "model-*.safetensors")


def hf_name(google: str) -> tuple[str, bool]:
    """The Hugging Face state-dict key of a google-research/bert variable, and whether it is transposed.

    Example:
        >>> hf_name("bert/encoder/layer_3/attention/self/query/kernel")
        ('bert.encoder.layer.3.attention.self.query.weight', True)
        >>> hf_name("bert/embeddings/LayerNorm/gamma"), hf_name("cls/seq_relationship/output_weights")
        (('bert.embeddings.LayerNorm.weight', False), ('cls.seq_relationship.weight', False))
    """
    special = {"cls/predictions/output_bias": "cls.predictions.bias",
               "cls/seq_relationship/output_weights": "cls.seq_relationship.weight",  # both (2, H)
               "cls/seq_relationship/output_bias": "cls.seq_relationship.bias"}
    if google in special:
        return special[google], False
    name = re.sub(r"layer_(\d+)", r"layer.\1", google).replace("/", ".")
    if google.startswith("bert/embeddings/") and "LayerNorm" not in google:
        return name + ".weight", False  # embedding tables are (rows, H) in both
    if name.endswith(".gamma"):
        return name[:-len("gamma")] + "weight", False
    if name.endswith(".beta"):
        return name[:-len("beta")] + "bias", False
    if name.endswith(".kernel"):
        return name[:-len("kernel")] + "weight", True  # torch.nn.Linear keeps (out, in)
    return name, False


def _alternatives(key: str) -> list[str]:
    """Where else older or differently-headed checkpoints keep ``key``."""
    out = [key]
    if key.startswith("bert."):
        out.append(key[len("bert."):])  # saved from BertModel: no "bert." prefix
    for k in list(out):
        if k.endswith("LayerNorm.weight"):
            out.append(k[:-len("weight")] + "gamma")  # checkpoints converted before transformers 4
        elif k.endswith("LayerNorm.bias"):
            out.append(k[:-len("bias")] + "beta")
    if key == "cls.predictions.bias":
        out.append("cls.predictions.decoder.bias")
    return out


def hf_config_to_bert_config(hf: dict, source: str) -> BertConfig:
    """A :class:`BertConfig` from a Hugging Face ``config.json`` dict (errors name the field and the fix)."""
    if hf.get("model_type", "bert") != "bert":
        raise ValueError(f"{source}: model_type is {hf.get('model_type')!r}, not 'bert'; bertkeras loads BERT "
                         "checkpoints only (RoBERTa, ALBERT, DistilBERT ... have other layouts)")
    position = hf.get("position_embedding_type", "absolute")
    if position != "absolute":
        raise ValueError(f"{source}: position_embedding_type is {position!r}; bertkeras's BERT has absolute "
                         "(learned) position embeddings only")
    act = hf.get("hidden_act", "gelu")
    if act not in HF_ACTIVATIONS:
        raise ValueError(f"{source}: hidden_act {act!r} is not supported; bertkeras knows {list(HF_ACTIVATIONS)} "
                         "(the exact and the tanh GELU)")
    return config_from_fields(hf, source, hidden_activation=HF_ACTIVATIONS[act], default_segments=2,
                              refetch="re-download config.json with the model")


def read_state_dict(directory: Path) -> dict[str, np.ndarray]:
    """The weights of a Hugging Face directory as float32 numpy arrays, keyed as in PyTorch."""
    directory = Path(directory)
    single, index = directory / "model.safetensors", directory / "model.safetensors.index.json"
    if single.is_file() or index.is_file():
        files = [single] if single.is_file() else sorted(
            {directory / f for f in json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()})
        out = {}
        for path in files:
            try:
                tensors = load_file(str(path))
            except TypeError as error:  # numpy has no bfloat16
                raise ValueError(f"{path}: cannot read it with numpy ({error}); bfloat16 safetensors need "
                                 "torch: convert with transformers (model.float().save_pretrained)") from None
            out.update({k: np.asarray(v, np.float32) if v.dtype.kind == "f" else v for k, v in tensors.items()})
        return out
    bin_file = directory / "pytorch_model.bin"
    if bin_file.is_file():
        try:
            import torch  # optional (the parity extra): only a PyTorch pickle needs it
        except ImportError:
            raise ImportError(f"{bin_file} is a PyTorch pickle and reading it needs torch: pip install torch "
                              "(CPU build is enough), or convert it to model.safetensors with transformers") from None
        state = torch.load(bin_file, map_location="cpu", weights_only=True)
        return {k: v.float().numpy() if v.is_floating_point() else v.numpy() for k, v in state.items()}
    raise FileNotFoundError(f"{directory} has no model.safetensors, model.safetensors.index.json, "
                            "pytorch_model.bin or tf_model.h5; copy the weights file next to config.json")


def read_tf_h5(path) -> dict[str, np.ndarray]:
    """transformers 4.x's TensorFlow weights (``tf_model.h5``) under google-research/bert's names.

    ``TFBertForPreTraining.save_pretrained`` stored Keras 2 HDF5 weights such as
    ``bert/tf_bert_for_pre_training/bert/encoder/layer_._0/attention/self/query/kernel:0`` and
    ``mlm___cls/tf_bert_for_pre_training/mlm___cls/predictions/bias:0``: TF layouts already (kernels
    (in, out)), so only the names change, plus the NSP kernel, which is (H, 2) there and [2, H] in Google's.
    Older transformers versions kept Q/K/V kernels as (H, A, H/A) (EinsumDense); those are flattened.
    """
    found: dict[str, np.ndarray] = {}

    def visit(name, item):
        if not isinstance(item, h5py.Dataset):
            return
        name = re.sub(r":\d+$", "", name).replace("layer_._", "layer_")
        for anchor, prefix in (("bert/embeddings/", ""), ("bert/encoder/", ""), ("bert/pooler/", ""),
                               ("predictions/", "cls/"), ("seq_relationship/", "cls/")):
            at = name.rfind(anchor)
            if at >= 0 and (anchor.startswith("bert/") or "___cls/" in name or name.startswith("cls/")):
                found[prefix + name[at:]] = np.asarray(item[()])
                return

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    out = {}
    for name, value in found.items():
        name = re.sub(r"/(word_embeddings)/weight$|/(token_type_embeddings|position_embeddings)/embeddings$",
                      lambda m: "/" + (m.group(1) or m.group(2)), name)
        if name == "cls/predictions/bias":
            name = "cls/predictions/output_bias"
        elif name == "cls/seq_relationship/kernel":
            name, value = "cls/seq_relationship/output_weights", value.T  # (H, 2) -> Google's [2, H]
        elif name == "cls/seq_relationship/bias":
            name = "cls/seq_relationship/output_bias"
        elif value.ndim == 3:  # EinsumDense kernels of older transformers versions
            value = value.reshape(-1, value.shape[-1]) if "attention/output" in name else value.reshape(
                value.shape[0], -1)
        elif value.ndim == 2 and name.endswith("/bias"):
            value = value.reshape(-1)
        out[name] = value.astype(np.float32)
    if "bert/embeddings/word_embeddings" not in out:
        raise ValueError(f"{path}: no BERT embedding weights found (expected e.g. "
                         "'bert/.../bert/embeddings/word_embeddings/weight:0'); is this a transformers BERT tf_model.h5?")
    return out


def google_weights_from_state_dict(state: dict[str, np.ndarray], config: BertConfig, source: str) -> dict:
    """Rename (and transpose) a Hugging Face BERT state dict to google-research/bert's names."""
    out = {}
    for google in expected_names(config, use_nsp=True):
        key, transpose = hf_name(google)
        found = next((k for k in _alternatives(key) if k in state), None)
        if found is not None:
            out[google] = np.asarray(state[found]).T if transpose else np.asarray(state[found])
    decoder = state.get("cls.predictions.decoder.weight")
    embeddings = out.get("bert/embeddings/word_embeddings")
    if decoder is not None and embeddings is not None and (
            decoder.shape != embeddings.shape or not np.array_equal(decoder, embeddings)):
        raise ValueError(f"{source}: cls.predictions.decoder.weight differs from bert.embeddings.word_embeddings; "
                         "bertkeras ties the masked-LM decoder to the token embedding (as BERT does), so an "
                         "untied checkpoint (tie_word_embeddings=false) cannot be loaded")
    return out


def read_vocabulary(directory: Path) -> list[str]:
    """``vocab.txt``, or the vocabulary inside ``tokenizer.json`` when only that is there."""
    directory = Path(directory)
    if (directory / "vocab.txt").is_file():
        return load_vocabulary(directory / "vocab.txt")
    if (directory / "tokenizer.json").is_file():
        vocab = json.loads((directory / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
        tokens = sorted(vocab, key=vocab.get)
        if [vocab[t] for t in tokens] != list(range(len(tokens))):
            raise ValueError(f"{directory / 'tokenizer.json'}: the vocabulary ids are not 0..{len(tokens) - 1}; "
                             "save a vocab.txt with the tokenizer (BertTokenizer.save_pretrained)")
        return validate_vocabulary(tokens, source=str(directory / "tokenizer.json"))
    raise FileNotFoundError(f"{directory} has no vocab.txt (or tokenizer.json); copy the tokenizer files next to "
                            "config.json (BertTokenizer.save_pretrained writes them)")


def read_lowercase(directory: Path) -> bool:
    """``do_lower_case`` from ``tokenizer_config.json`` (transformers' default, True, when it is absent)."""
    path = Path(directory) / "tokenizer_config.json"
    if not path.is_file():
        return True
    return bool(json.loads(path.read_text(encoding="utf-8")).get("do_lower_case", True))


def load_huggingface(directory, *, lowercase: bool | None = None, **backbone_kwargs):
    """Load a Hugging Face BERT directory into a :class:`~bertkeras.pretrained.PretrainedBert`.

    Args:
        directory: holds ``config.json``, the weights and the tokenizer files (see the module docstring).
        lowercase: override ``tokenizer_config.json``'s ``do_lower_case``.
        **backbone_kwargs: extra backbone options, e.g. ``return_attention_scores=True``.
    """
    directory = Path(directory).expanduser()
    config_file = directory / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"no config.json in {directory}; pass a directory written by save_pretrained")
    config = hf_config_to_bert_config(json.loads(config_file.read_text(encoding="utf-8")), str(config_file))
    tokenizer = WordPieceTokenizer(read_vocabulary(directory),
                                   lowercase=read_lowercase(directory) if lowercase is None else lowercase)
    if tokenizer.vocabulary_size != config.vocabulary_size:
        raise ValueError(f"{directory}: the vocabulary has {tokenizer.vocabulary_size} tokens but config.json says "
                         f"vocab_size={config.vocabulary_size}; the tokenizer files belong to another model")
    if not any((directory / n).is_file() for n in ("model.safetensors", "model.safetensors.index.json",
                                                    "pytorch_model.bin")) and (directory / "tf_model.h5").is_file():
        weights = read_tf_h5(directory / "tf_model.h5")
    else:
        weights = google_weights_from_state_dict(read_state_dict(directory), config, str(directory))
    pretrainer = pretrainer_from_google_weights(weights, config, source=str(directory), **backbone_kwargs)
    metrics_file = directory / "metrics.json"  # written by save_pretrained(..., format="huggingface", metrics=...)
    metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() else {}
    return PretrainedBert(pretrainer.backbone, pretrainer, tokenizer, config, directory, metrics)


def hf_config(config: BertConfig, pad_id: int, use_nsp: bool = True) -> dict:
    """The ``config.json`` of :func:`save_huggingface`."""
    return {
        "architectures": ["BertForPreTraining" if use_nsp else "BertForMaskedLM"], "model_type": "bert",
        "vocab_size": config.vocabulary_size, "hidden_size": config.hidden_dim,
        "num_hidden_layers": config.num_layers, "num_attention_heads": config.num_heads,
        "intermediate_size": config.intermediate_dim, "hidden_act": TO_HF_ACTIVATION[config.hidden_activation],
        "hidden_dropout_prob": config.dropout, "attention_probs_dropout_prob": config.attention_dropout,
        "max_position_embeddings": config.max_sequence_length, "type_vocab_size": config.num_segments,
        "initializer_range": config.initializer_range, "layer_norm_eps": config.layer_norm_epsilon,
        "pad_token_id": pad_id, "position_embedding_type": "absolute", "tie_word_embeddings": True,
        "torch_dtype": "float32",
    }


def save_huggingface(pretrained, directory, *, tokenizer=None, metrics: dict | None = None,
                     model_card: str | None = None) -> Path:
    """Write ``pretrained`` (a :class:`PretrainedBert`) as a directory ``transformers`` opens.

    ``pretrained`` may also be a :class:`~bertkeras.model.pretrainer.BertPretrainer`, with its ``tokenizer=``.

    ``BertForPreTraining.from_pretrained(directory)`` (``BertForMaskedLM`` for a model without NSP) and
    ``BertTokenizer.from_pretrained(directory)`` load it: ``config.json`` (with ``hidden_act`` ``"gelu"`` for
    ``gelu_exact``, ``"gelu_new"`` for the tanh form), ``model.safetensors``, ``vocab.txt`` and
    ``tokenizer_config.json``. Written atomically (temporary directory, then rename). ``metrics`` go to
    ``metrics.json``, ``model_card`` to ``README.md`` (the Hugging Face Hub's model card).
    """
    if tokenizer is None:
        pretrainer, tokenizer = pretrained.pretrainer, pretrained.tokenizer
    else:
        pretrainer = getattr(pretrained, "pretrainer", pretrained)
    config = pretrainer.backbone.bert_config
    if tokenizer.vocabulary_size != config.vocabulary_size:
        raise ValueError(f"the tokenizer has {tokenizer.vocabulary_size} tokens but the model's vocabulary_size is "
                         f"{config.vocabulary_size}; save the tokenizer the model was trained with")
    state = {}
    for google, value in google_weights(pretrainer).items():
        key, transpose = hf_name(google)
        state[key] = np.ascontiguousarray(value.T if transpose else value, np.float32)
    use_nsp = pretrainer.nsp_head is not None
    special = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
               "mask_token": "[MASK]"}
    tokenizer_config = {"tokenizer_class": "BertTokenizer", "do_lower_case": tokenizer.lowercase,
                        "strip_accents": None, "tokenize_chinese_chars": True,
                        "model_max_length": config.max_sequence_length, **special}

    def write(tmp: Path):
        (tmp / "config.json").write_text(json.dumps(hf_config(config, tokenizer.pad_id, use_nsp), indent=2) + "\n",
                                         encoding="utf-8")
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tokenizer.save_vocabulary(tmp / "vocab.txt")
        (tmp / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n", encoding="utf-8")
        (tmp / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n", encoding="utf-8")
        if metrics is not None:
            (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        if model_card is not None:
            (tmp / "README.md").write_text(model_card, encoding="utf-8")

    return atomic_directory(Path(directory), write)


def parse_address(address: str) -> tuple[str, str | None]:
    """``hf://org/name[@revision]`` -> ``("org/name", revision)``.

    Example:
        >>> parse_address("hf://google-bert/bert-base-uncased@main")
        ('google-bert/bert-base-uncased', 'main')
    """
    if not address.startswith(HF_PREFIX):
        raise ValueError(f"{address!r} is not an hf:// address; write hf://org/name, e.g. "
                         "hf://google-bert/bert-base-uncased")
    repo, _, revision = address[len(HF_PREFIX):].partition("@")
    if repo.count("/") > 1 or not repo or repo.startswith("/") or repo.endswith("/"):
        raise ValueError(f"{address!r}: expected hf://org/name or hf://name (optionally @revision)")
    return repo, revision or None


def download(address: str, *, cache_dir=None) -> Path:
    """Download (or find in the cache) the config, tokenizer and weight files of ``hf://org/name``.

    Only those files are fetched: ``model.safetensors``, or when a repository has none ``pytorch_model.bin``
    (with torch installed) or ``tf_model.h5``; never the Flax/ONNX/other copies. Offline, ``huggingface_hub`` answers from its cache.
    """
    try:
        from huggingface_hub import snapshot_download  # optional: only hf:// addresses need it
    except ImportError:
        raise ImportError("hf:// addresses need huggingface_hub: pip install huggingface_hub") from None
    repo, revision = parse_address(address)
    try:
        path = Path(snapshot_download(repo, revision=revision, cache_dir=cache_dir,
                                      allow_patterns=[*HF_FILES, *SAFETENSORS_FILES]))
        if not any(path.glob("*.safetensors*")):
            # No safetensors: the PyTorch pickle when torch can read it, else transformers 4's tf_model.h5.
            try:
                import torch  # noqa: F401  (optional: only whether it is installed matters here)

                fallbacks = ["pytorch_model.bin", "tf_model.h5"]
            except ImportError:
                fallbacks = ["tf_model.h5", "pytorch_model.bin"]
            for weights in fallbacks:
                path = Path(snapshot_download(repo, revision=revision, cache_dir=cache_dir,
                                              allow_patterns=[*HF_FILES, weights]))
                if (path / weights).is_file():
                    break
    except Exception as error:  # noqa: BLE001  (network, auth, missing repo: one clear message)
        raise OSError(f"could not download {address} ({type(error).__name__}: {str(error)[:300]}); check the name "
                      "on huggingface.co, log in (huggingface-cli login) for a private model, or download it once "
                      "online so it is cached") from None
    return path


__all__ = ["HF_PREFIX", "download", "hf_config", "hf_config_to_bert_config", "hf_name", "load_huggingface", "parse_address",
           "read_state_dict", "read_tf_h5", "save_huggingface"]
