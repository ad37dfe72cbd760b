"""Fine-tuning (notebooks 07-10): a pre-trained BERT plus one output layer, trained on a task.

``classification`` (:func:`~bertkeras.finetuning.classification.finetune`, BERT's §3.5 recipe for text and
sentence-pair classification), ``text_classifier`` (:class:`~bertkeras.finetuning.text_classifier.TextClassifier`:
text in, labels out, saved to a directory), ``training`` (length batches, the ``tf.data`` feed and the one fit
loop every fine-tuning run shares), ``token_tasks`` (taggers and span extractors) and ``hparam_search`` (the paper's grid with
keras-tuner).

``bertkeras.finetuning`` was once the module that ``classification`` is now; ``finetune`` and
``balanced_class_weights`` are still found here.
"""

import importlib

#: The names of the former ``bertkeras.finetuning`` module, and the module that holds each now.
FORMER_MODULE_NAMES = dict.fromkeys(("balanced_class_weights", "finetune"), "bertkeras.finetuning.classification")


def __getattr__(name: str):
    if name not in FORMER_MODULE_NAMES:
        raise AttributeError(f"module 'bertkeras.finetuning' has no attribute {name!r}")
    return getattr(importlib.import_module(FORMER_MODULE_NAMES[name]), name)
