"""Pre-training (notebooks 04, 05): from documents to a pre-trained BERT.

``masking`` (BERT's 15 % / 80-10-10 masking, readable Python), ``nsp_pairs`` (next-sentence pairs as
google-research/bert makes them), ``pipeline`` (documents -> packed pair arrays -> the masked ``tf.data``
stream), ``optimization`` (AdamW with warm-up and linear decay, the precision policy) and ``run``
(:func:`~bertkeras.pretraining.run.pretrain`: the run directory, checkpoints, resume).

``bertkeras.pretraining`` was once the module that ``run`` is now; its names (``pretrain``,
``latest_checkpoint``, ...) are still found here.
"""

import importlib

#: The names of the former ``bertkeras.pretraining`` module, and the module that holds each now.
FORMER_MODULE_NAMES = {
    **dict.fromkeys(("CHECKPOINT", "export_checkpoint", "frequency_baseline", "latest_checkpoint", "load_documents",
                     "model_card", "nsp_majority_baseline", "pretrain", "restore_checkpoint", "save_checkpoint"),
                    "bertkeras.pretraining.run"),
    "tokenize_documents_fast": "bertkeras.pretraining.pipeline",
}


def __getattr__(name: str):
    if name not in FORMER_MODULE_NAMES:
        raise AttributeError(f"module 'bertkeras.pretraining' has no attribute {name!r}")
    return getattr(importlib.import_module(FORMER_MODULE_NAMES[name]), name)
