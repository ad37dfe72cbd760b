"""bertkeras: learn BERT by building it, in Keras 3 on TensorFlow.

The package is a small, exact layer library that the course notebooks call. Each concept lives in
its own module; the names below are the stable public API that the notebooks use.
"""

from bertkeras import runtime  # noqa: F401, I001  (sets TF's log level before TensorFlow is imported)

__version__ = "0.1.0"

# --- public API (each issue adds its names here; notebooks rely on them, so keep them stable) ---
from bertkeras import (  # noqa: E402,F401
    baselines,
    convert,  # noqa: E402,F401
    corpus,
    datasets,
    evaluation,
    finetuning,
    masking,
    nsp_pairs,
    optimization,
    pretrained,
    pretraining,
    pretraining_data,
    viz,
)
from bertkeras.attention import BertSelfAttention  # noqa: E402,F401
from bertkeras.backbone import BertBackbone  # noqa: E402,F401
from bertkeras.config import PRESETS, BertConfig  # noqa: E402,F401
from bertkeras.embedding import BertEmbedding  # noqa: E402,F401
from bertkeras.encoder import TransformerEncoderBlock  # noqa: E402,F401
from bertkeras.evaluation import classification_metrics, tune_threshold  # noqa: E402,F401
from bertkeras.fast_tokenizer import FastWordPieceTokenizer  # noqa: E402,F401
from bertkeras.finetuning import finetune  # noqa: E402,F401
from bertkeras.heads import ClassificationHead, MaskedLMHead, NSPHead, SpanHead, TokenTaggingHead  # noqa: E402,F401
from bertkeras.masking import mask_tokens  # noqa: E402,F401
from bertkeras.nsp_pairs import create_nsp_pairs  # noqa: E402,F401
from bertkeras.optimization import WarmupLinearDecay, bert_optimizer  # noqa: E402,F401
from bertkeras.pretrained import load_pretrained, save_pretrained  # noqa: E402,F401
from bertkeras.pretrainer import BertPretrainer  # noqa: E402,F401
from bertkeras.pretraining_data import TFMasker, make_pretraining_arrays, pretraining_dataset  # noqa: E402,F401
from bertkeras.task_models import BertClassifier, BertSpanExtractor, BertTokenTagger  # noqa: E402,F401
from bertkeras.text_classifier import TextClassifier  # noqa: E402,F401
from bertkeras.tokenizer import WordPieceTokenizer  # noqa: E402,F401
from bertkeras.vocab_training import train_vocabulary  # noqa: E402,F401
from bertkeras.vocabulary import SPECIAL_TOKENS  # noqa: E402,F401
