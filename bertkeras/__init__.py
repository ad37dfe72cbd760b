"""bertkeras: learn BERT by building it, in Keras 3 on TensorFlow.

The package is a small, exact layer library that the course notebooks call. Its subpackages follow the
course (ARCHITECTURE.md draws the layers and what may import what):

==================  ======================================================================================
``tokenization``    vocabulary, normalisation, WordPiece, vocabulary training, ``[CLS] A [SEP] B [SEP]``
                    packing, word/character alignment, the in-graph fast tokenizer
``model``           config, embedding, attention, encoder, backbone, heads, pre-trainer, task models
``pretraining``     masking, NSP pairs, the ``tf.data`` pipeline, BERT's optimizer, the pre-training run
``finetuning``      fine-tuning classifiers, taggers and span extractors, the hyper-parameter grid
``evaluation``      metrics and baselines for classification, tagging and spans
``datasets``        the course data sets: download, cache, splits, pre-training documents, derived tasks
``pretrained``      save / load a pre-trained BERT, the shipped tiny model, keras-hub conversion
``viz``             figures and the head view
``commands``        the ``bertkeras`` command line (``data fetch``, ``pretrain``, ``finetune``, ``demo``...)
==================  ======================================================================================

The names below are the stable public API that the notebooks use. They are loaded on first use (PEP 562),
so ``import bertkeras`` imports neither TensorFlow, Keras nor matplotlib; the old flat module names
(``bertkeras.tokenizer``, ``bertkeras.pretraining_data``, ...) still resolve, to the modules that now hold
their code (CHANGELOG.md lists the moves).

The model (config, embeddings, attention, encoder, backbone, heads, task models, keras-hub conversion)
and the plain-Python teaching code (WordPiece, masking, NSP pairs, metrics) need Keras 3 alone, so the
layers also run on Keras's JAX backend (``KERAS_BACKEND=jax`` before the first import; tested in
tests/test_backends.py, PyTorch is not). Tokenizing at speed, the ``tf.data`` pipelines, pre-training and
fine-tuning are built on TensorFlow; without it installed, their names raise an ImportError that says so.
"""

from bertkeras import runtime  # noqa: F401, I001  (sets TF's log level before TensorFlow is imported)

import importlib as _importlib
import importlib.abc as _importlib_abc
import importlib.util as _importlib_util
import sys as _sys

__version__ = "0.1.0"

#: Whether TensorFlow is installed (the training and data half of the package needs it).
HAS_TENSORFLOW = runtime.HAS_TENSORFLOW

#: Public names and the module that defines each (loaded on first access).
PUBLIC_NAMES = {
    # Keras 3 and NumPy only: these work on every Keras backend.
    "BertSelfAttention": "bertkeras.model.attention",
    "BertBackbone": "bertkeras.model.backbone",
    "PRESETS": "bertkeras.model.config", "BertConfig": "bertkeras.model.config",
    "BertEmbedding": "bertkeras.model.embedding",
    "TransformerEncoderBlock": "bertkeras.model.encoder",
    "classification_metrics": "bertkeras.evaluation.metrics", "tune_threshold": "bertkeras.evaluation.metrics",
    "ClassificationHead": "bertkeras.model.heads", "MaskedLMHead": "bertkeras.model.heads",
    "NSPHead": "bertkeras.model.heads", "SpanHead": "bertkeras.model.heads",
    "TokenTaggingHead": "bertkeras.model.heads",
    "mask_tokens": "bertkeras.pretraining.masking",
    "create_nsp_pairs": "bertkeras.pretraining.nsp_pairs",
    "load_pretrained": "bertkeras.pretrained", "save_pretrained": "bertkeras.pretrained",
    "BertPretrainer": "bertkeras.model.pretrainer",
    "BertClassifier": "bertkeras.model.task_models", "BertSpanExtractor": "bertkeras.model.task_models",
    "BertTokenTagger": "bertkeras.model.task_models",
    "WordPieceTokenizer": "bertkeras.tokenization.wordpiece",
    "train_vocabulary": "bertkeras.tokenization.vocab_training",
    "SPECIAL_TOKENS": "bertkeras.tokenization.vocabulary",
    # TensorFlow (see TENSORFLOW_NAMES)
    "FastWordPieceTokenizer": "bertkeras.tokenization.fast_tokenizer",
    "finetune": "bertkeras.finetuning.classification",
    "WarmupLinearDecay": "bertkeras.pretraining.optimization", "bert_optimizer": "bertkeras.pretraining.optimization",
    "TFMasker": "bertkeras.pretraining.pipeline", "make_pretraining_arrays": "bertkeras.pretraining.pipeline",
    "pretraining_dataset": "bertkeras.pretraining.pipeline",
    "TextClassifier": "bertkeras.finetuning.text_classifier",
}

#: Modules reachable as ``bertkeras.<name>``: the subpackages, and every module of the flat layout that
#: came before them (old name -> the module that holds its code now).
MODULES = {
    "tokenization": "bertkeras.tokenization", "model": "bertkeras.model", "pretraining": "bertkeras.pretraining",
    "finetuning": "bertkeras.finetuning", "evaluation": "bertkeras.evaluation", "datasets": "bertkeras.datasets",
    "pretrained": "bertkeras.pretrained", "viz": "bertkeras.viz", "commands": "bertkeras.commands",
    "files": "bertkeras.files", "exercises": "bertkeras.exercises",
    # tokenization
    "vocabulary": "bertkeras.tokenization.vocabulary", "normalization": "bertkeras.tokenization.normalization",
    "tokenizer": "bertkeras.tokenization.wordpiece", "vocab_training": "bertkeras.tokenization.vocab_training",
    "token_alignment": "bertkeras.tokenization.alignment", "fast_tokenizer": "bertkeras.tokenization.fast_tokenizer",
    # model
    "config": "bertkeras.model.config", "embedding": "bertkeras.model.embedding",
    "attention": "bertkeras.model.attention", "encoder": "bertkeras.model.encoder",
    "backbone": "bertkeras.model.backbone", "heads": "bertkeras.model.heads",
    "pretrainer": "bertkeras.model.pretrainer", "task_models": "bertkeras.model.task_models",
    # pre-training (``bertkeras.pretraining`` itself still offers the old module's names, see its __init__)
    "masking": "bertkeras.pretraining.masking", "nsp_pairs": "bertkeras.pretraining.nsp_pairs",
    "pretraining_data": "bertkeras.pretraining.pipeline", "optimization": "bertkeras.pretraining.optimization",
    # fine-tuning (``bertkeras.finetuning`` still offers ``finetune`` and ``balanced_class_weights``)
    "text_classifier": "bertkeras.finetuning.text_classifier", "token_tasks": "bertkeras.finetuning.token_tasks",
    "hparam_search": "bertkeras.finetuning.hparam_search",
    # evaluation (``bertkeras.evaluation`` still offers the old module's metrics)
    "baselines": "bertkeras.evaluation.baselines", "token_metrics": "bertkeras.evaluation.token_metrics",
    "token_baselines": "bertkeras.evaluation.token_baselines",
    # data sets
    "dataset_sources": "bertkeras.datasets.sources", "download": "bertkeras.datasets.download",
    "corpus": "bertkeras.datasets.corpus", "derived_tasks": "bertkeras.datasets.derived_tasks",
    # pretrained models
    "convert": "bertkeras.pretrained.convert", "hub": "bertkeras.pretrained.hub",
    # the command line
    "cli": "bertkeras.commands.cli", "demo": "bertkeras.commands.demo",
    "finetune_runs": "bertkeras.commands.finetune_runs", "search_runs": "bertkeras.commands.search_runs",
}

#: Public names that need TensorFlow, and the module each comes from.
TENSORFLOW_NAMES = {name: PUBLIC_NAMES.get(name) or MODULES[name] for name in (
    "datasets", "finetuning", "optimization", "pretraining", "pretraining_data", "viz", "FastWordPieceTokenizer",
    "finetune", "WarmupLinearDecay", "bert_optimizer", "TFMasker", "make_pretraining_arrays", "pretraining_dataset",
    "TextClassifier")}


def __getattr__(name: str):
    if name in TENSORFLOW_NAMES and not HAS_TENSORFLOW:
        raise runtime.TensorFlowMissingError(f"bertkeras.{name} (from {TENSORFLOW_NAMES[name]})")
    if name not in ("files", "exercises", "commands", "cli"):
        runtime.before_keras()  # what follows may import Keras, and Keras TensorFlow: keep its C++ lines quiet
    if name in PUBLIC_NAMES:
        value = getattr(_importlib.import_module(PUBLIC_NAMES[name]), name)
    elif name in MODULES:
        value = _importlib.import_module(MODULES[name])
    else:
        raise AttributeError(f"module 'bertkeras' has no attribute {name!r}")
    globals()[name] = value  # the next access is a plain attribute lookup
    if "keras" in _sys.modules:  # whatever was loaded, saved bertkeras layers load too (see register_keras_objects)
        register_keras_objects()
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *PUBLIC_NAMES, *MODULES})


#: The modules whose classes are registered with Keras (``@keras.saving.register_keras_serializable(
#: package="bertkeras")``): ``keras.saving.load_model`` finds a saved bertkeras layer only once its module ran.
KERAS_REGISTERING_MODULES = (
    "bertkeras.model.embedding", "bertkeras.model.attention", "bertkeras.model.encoder", "bertkeras.model.backbone",
    "bertkeras.model.heads", "bertkeras.model.pretrainer", "bertkeras.model.task_models",
    "bertkeras.pretraining.optimization", "bertkeras.tokenization.fast_tokenizer",
)


def register_keras_objects() -> None:
    """Import the modules that register bertkeras's Keras classes (``bertkeras>BertBackbone``, ...).

    It runs by itself as soon as Keras is imported (or at ``import bertkeras`` when Keras already was, or
    when a name of ``bertkeras`` is first used), so ``keras.saving.load_model`` finds bertkeras layers after
    ``import bertkeras`` as it always did, while ``import bertkeras`` alone still loads no Keras.
    """
    for module in KERAS_REGISTERING_MODULES:
        if module.endswith("fast_tokenizer") and not HAS_TENSORFLOW:
            continue
        _importlib.import_module(module)


def _bertkeras_module_initializing() -> bool:
    """Whether a bertkeras module is being executed right now (it imported Keras; registering must wait)."""
    return any(getattr(getattr(module, "__spec__", None), "_initializing", False)
               for name, module in list(_sys.modules.items()) if name.partition(".")[0] == "bertkeras")


class _RegisterWhenKerasIsImported(_importlib_abc.MetaPathFinder):
    """Runs :func:`register_keras_objects` right after the ``keras`` package has been executed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        _sys.meta_path.remove(self)  # once; the other finders locate keras
        spec = _importlib_util.find_spec("keras")
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            exec_keras = spec.loader.exec_module

            def exec_module(module):
                exec_keras(module)
                if not _bertkeras_module_initializing():  # else: that import registers when it is done
                    register_keras_objects()

            spec.loader.exec_module = exec_module
        return spec


if "keras" in _sys.modules:
    register_keras_objects()
elif not any(isinstance(f, _RegisterWhenKerasIsImported) for f in _sys.meta_path):
    _sys.meta_path.insert(0, _RegisterWhenKerasIsImported())

__all__ = ["HAS_TENSORFLOW", "runtime", "register_keras_objects", *sorted(PUBLIC_NAMES)]
