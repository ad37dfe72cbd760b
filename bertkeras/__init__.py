"""bertkeras: learn BERT by building it, in Keras 3 on TensorFlow.

The package is a small, exact layer library that the course notebooks call. Each concept lives in
its own module; the names below are the stable public API that the notebooks use.

The model (config, embeddings, attention, encoder, backbone, heads, task models, keras-hub conversion)
and the plain-Python teaching code (WordPiece, masking, NSP pairs, metrics) need Keras 3 alone, so the
layers also run on Keras's JAX backend (``KERAS_BACKEND=jax`` before the first import; tested in
tests/test_backends.py, PyTorch is not). Tokenizing at speed, the ``tf.data`` pipelines, pre-training and
fine-tuning are built on TensorFlow; without it installed, their names raise an ImportError that says so.
"""

from bertkeras import runtime  # noqa: F401, I001  (sets TF's log level before TensorFlow is imported)

from bertkeras.runtime import HAS_TENSORFLOW  # noqa: E402  (whether the training and data half can run)

__version__ = "0.1.0"

if HAS_TENSORFLOW:
    runtime.import_tensorflow()  # the layers import Keras, which imports TensorFlow: keep its C++ lines quiet

# --- public API (each issue adds its names here; notebooks rely on them, so keep them stable) ---
# Keras 3 and NumPy only: these work on every Keras backend.
from bertkeras import (  # noqa: E402,F401
    baselines,
    convert,
    corpus,
    evaluation,
    masking,
    nsp_pairs,
    pretrained,
)
from bertkeras.attention import BertSelfAttention  # noqa: E402,F401
from bertkeras.backbone import BertBackbone  # noqa: E402,F401
from bertkeras.config import PRESETS, BertConfig  # noqa: E402,F401
from bertkeras.embedding import BertEmbedding  # noqa: E402,F401
from bertkeras.encoder import TransformerEncoderBlock  # noqa: E402,F401
from bertkeras.evaluation import classification_metrics, tune_threshold  # noqa: E402,F401
from bertkeras.heads import ClassificationHead, MaskedLMHead, NSPHead, SpanHead, TokenTaggingHead  # noqa: E402,F401
from bertkeras.masking import mask_tokens  # noqa: E402,F401
from bertkeras.nsp_pairs import create_nsp_pairs  # noqa: E402,F401
from bertkeras.pretrained import load_pretrained, save_pretrained  # noqa: E402,F401
from bertkeras.pretrainer import BertPretrainer  # noqa: E402,F401
from bertkeras.task_models import BertClassifier, BertSpanExtractor, BertTokenTagger  # noqa: E402,F401
from bertkeras.tokenizer import WordPieceTokenizer  # noqa: E402,F401
from bertkeras.vocab_training import train_vocabulary  # noqa: E402,F401
from bertkeras.vocabulary import SPECIAL_TOKENS  # noqa: E402,F401

#: Public names that need TensorFlow, and the module each comes from.
TENSORFLOW_NAMES = {
    "datasets": "bertkeras.datasets", "finetuning": "bertkeras.finetuning",
    "optimization": "bertkeras.optimization", "pretraining": "bertkeras.pretraining",
    "pretraining_data": "bertkeras.pretraining_data", "viz": "bertkeras.viz",
    "FastWordPieceTokenizer": "bertkeras.fast_tokenizer", "finetune": "bertkeras.finetuning",
    "WarmupLinearDecay": "bertkeras.optimization", "bert_optimizer": "bertkeras.optimization",
    "TFMasker": "bertkeras.pretraining_data",
    "make_pretraining_arrays": "bertkeras.pretraining_data", "pretraining_dataset": "bertkeras.pretraining_data",
    "TextClassifier": "bertkeras.text_classifier",
}

if HAS_TENSORFLOW:
    from bertkeras import datasets, finetuning, optimization, pretraining, pretraining_data, viz  # noqa: E402,F401
    from bertkeras.fast_tokenizer import FastWordPieceTokenizer  # noqa: E402,F401
    from bertkeras.finetuning import finetune  # noqa: E402,F401
    from bertkeras.optimization import WarmupLinearDecay, bert_optimizer  # noqa: E402,F401
    from bertkeras.pretraining_data import TFMasker, make_pretraining_arrays, pretraining_dataset  # noqa: E402,F401
    from bertkeras.text_classifier import TextClassifier  # noqa: E402,F401
else:

    def __getattr__(name: str):
        if name in TENSORFLOW_NAMES:
            raise runtime.TensorFlowMissingError(f"bertkeras.{name} (from {TENSORFLOW_NAMES[name]})")
        raise AttributeError(f"module 'bertkeras' has no attribute {name!r}")
