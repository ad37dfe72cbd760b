"""The public API survives the move to subpackages (issue #19), and ``import bertkeras`` stays light.

Every name ``bertkeras`` offered before the reorganisation still resolves as an attribute of ``bertkeras``
(the flat module names included, now mapped to the modules that hold their code), and so do the deep
names the notebooks, tests and benchmarks reach through those modules. ``import bertkeras`` and
``bertkeras --help`` import neither TensorFlow, Keras nor matplotlib.
"""

from __future__ import annotations

import importlib
import pathlib
import pkgutil
import subprocess
import sys
import types

import pytest

import bertkeras

# The names `bertkeras/__init__.py` exported on main before #19 (3249dd6), TensorFlow ones included.
OLD_TOP_LEVEL = (
    "runtime baselines convert corpus evaluation masking nsp_pairs pretrained BertSelfAttention BertBackbone "
    "PRESETS BertConfig BertEmbedding TransformerEncoderBlock classification_metrics tune_threshold "
    "ClassificationHead MaskedLMHead NSPHead SpanHead TokenTaggingHead mask_tokens create_nsp_pairs "
    "load_pretrained save_pretrained BertPretrainer BertClassifier BertSpanExtractor BertTokenTagger "
    "WordPieceTokenizer train_vocabulary SPECIAL_TOKENS datasets finetuning optimization pretraining "
    "pretraining_data viz FastWordPieceTokenizer finetune WarmupLinearDecay bert_optimizer TFMasker "
    "make_pretraining_arrays pretraining_dataset TextClassifier HAS_TENSORFLOW TENSORFLOW_NAMES __version__"
).split()

# Every module of the flat layout: each was reachable as bertkeras.<name> once imported.
OLD_MODULES = (
    "attention backbone baselines cli config convert corpus dataset_sources datasets demo derived_tasks download "
    "embedding encoder evaluation fast_tokenizer finetune_runs finetuning heads hparam_search hub masking "
    "normalization nsp_pairs optimization pretrained pretrainer pretraining pretraining_data runtime search_runs "
    "task_models text_classifier token_alignment token_baselines token_metrics token_tasks tokenizer "
    "vocab_training vocabulary viz"
).split()

# `bertkeras.<module>.<name>` as the notebooks, tests and benchmarks use them
# (grep -rhoE "bertkeras\.[a-z_]+(\.[a-z_]+)?" notebooks/*.ipynb tests benchmarks, before the move).
OLD_DEEP = [
    "runtime.setup", "runtime.gpu_names", "runtime.versions", "runtime.is_quick", "pretraining.pretrain",
    "pretraining.latest_checkpoint", "convert.from_keras_hub", "convert.to_keras_hub", "optimization.bert_optimizer",
    "optimization.training_precision", "masking.mask_tokens", "hub.load_keras_hub_bert",
    "evaluation.classification_metrics", "evaluation.tune_threshold", "evaluation.confusion_matrix",
    "viz.training_curves", "pretrained.save_pretrained", "pretrained.load_pretrained", "pretrained.PretrainedBert",
    "datasets.load", "datasets.Split", "corpus.pretraining_documents", "corpus.document_sentences",
    "finetuning.finetune", "finetuning.balanced_class_weights", "pretraining_data.make_pretraining_arrays",
    "pretraining_data.pretraining_dataset", "pretraining_data.masked_lm_loss", "nsp_pairs.create_nsp_pairs",
    "nsp_pairs.pack_pairs", "nsp_pairs.tokenize_documents", "tokenizer.wordpiece", "token_alignment.best_span",
    "token_alignment.encode_span", "token_alignment.align_word_labels", "token_tasks.finetune_tagger",
    "token_tasks.finetune_span_extractor", "token_baselines.FirstNumberSpanBaseline", "baselines.run_baselines",
    "dataset_sources.read_records", "normalization.pre_tokenize", "pretrainer.BertPretrainer",
    "text_classifier.TextClassifier", "hparam_search.grid_search", "derived_tasks.proper_noun_tagging",
    "cli.main", "demo.run_demo",
]


@pytest.mark.parametrize("name", OLD_TOP_LEVEL + OLD_MODULES)
def test_every_old_name_still_resolves(name):
    assert getattr(bertkeras, name) is not None
    assert name in dir(bertkeras)


@pytest.mark.parametrize("path", OLD_DEEP)
def test_deep_names_used_by_notebooks_still_resolve(path):
    module, name = path.split(".")
    assert getattr(getattr(bertkeras, module), name) is not None


def test_old_module_names_are_the_new_modules():
    assert bertkeras.tokenizer is importlib.import_module("bertkeras.tokenization.wordpiece")
    assert bertkeras.pretraining_data is importlib.import_module("bertkeras.pretraining.pipeline")
    assert bertkeras.token_alignment is importlib.import_module("bertkeras.tokenization.alignment")
    assert bertkeras.optimization is importlib.import_module("bertkeras.pretraining.optimization")
    assert bertkeras.pretraining.pretrain is importlib.import_module("bertkeras.pretraining.run").pretrain
    assert bertkeras.finetune is bertkeras.finetuning.finetune
    assert bertkeras.classification_metrics is bertkeras.evaluation.classification_metrics
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        bertkeras.nonexistent  # noqa: B018


def test_top_level_is_at_most_fourteen_entries_and_every_subpackage_says_what_it_holds():
    entries = [p for p in pathlib.Path(bertkeras.__path__[0]).iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 14, sorted(p.name for p in entries)
    for info in pkgutil.iter_modules(bertkeras.__path__):
        if info.ispkg:
            package = importlib.import_module(f"bertkeras.{info.name}")
            assert isinstance(package, types.ModuleType) and len((package.__doc__ or "").strip()) > 40, info.name


HEAVY = ("tensorflow", "keras", "matplotlib")


def _heavy_modules_after(code: str) -> list[str]:
    check = f"import sys\n{code}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return eval(out.stdout.strip().splitlines()[-1])


def test_import_bertkeras_imports_no_tensorflow_keras_or_matplotlib():
    assert _heavy_modules_after("import bertkeras") == []


def test_cli_help_imports_no_tensorflow_keras_or_matplotlib():
    code = ("import runpy\nsys.argv = ['bertkeras', '--help']\ntry:\n"
            "    runpy.run_module('bertkeras.commands.cli', run_name='__main__')\nexcept SystemExit as e:\n"
            "    assert e.code == 0, e.code")
    assert _heavy_modules_after(code) == []
    code = "from bertkeras.commands import cli\ncli.build_parser().format_help()"
    assert _heavy_modules_after(code) == []
