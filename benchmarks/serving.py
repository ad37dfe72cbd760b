"""Serving throughput, raw text in and probabilities out, on the CPU: the exported SavedModel vs keras-hub.

    python -m benchmarks.serving                 # 2,000 IMDB reviews and 2,000 SMS texts, 128 pieces max

Three ways to classify the same texts with models of the same size (the shipped tiny BERT's L, H, A and
vocabulary), in one process, batch size 32, texts in their data-set order (a server does not sort):

* **exported**: :meth:`bertkeras.TextClassifier.export`'s SavedModel, loaded with ``tf.saved_model.load``
  and called through its ``serving_default`` signature: tokenization in the graph, each batch padded to
  its own longest text, the last encoder block computed for ``[CLS]`` only;
* **keras-hub**: ``keras_hub.models.BertTextClassifier`` with its own ``BertTextClassifierPreprocessor``
  (``BertTokenizer`` on the same ``vocab.txt``, ``sequence_length=128``, so every batch is 128 long),
  random weights (no download), ``predict(texts, batch_size=32)``, softmax output;
* **predict_proba**: bertkeras's in-process :meth:`TextClassifier.predict_proba` (Python tokenizer,
  batches sorted by length), for reference.

Weights do not change the speed, so the bertkeras model has the shipped tiny backbone and a random head.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def interleaved(functions: dict, repeats: int) -> dict:
    """``benchmarks.record.measure`` for several functions, their repeats taken in turn (A B C A B C ...).

    The CPU is shared, so its speed drifts; alternating puts every contender under the same drift.
    """
    import statistics
    import time

    for fn in functions.values():  # warm-up: tracing, tf.data pipelines, caches
        fn()
    times: dict = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: {"median_s": statistics.median(t), "min_s": min(t), "max_s": max(t), "repeats": repeats}
            for name, t in times.items()}


def summarize(results: dict) -> list[dict]:
    """The README rows for this benchmark (see ``benchmarks.report``)."""
    from benchmarks.record import speedup, summary_row

    rows = []
    for name, target in (("imdb", 1.2), ("sms_spam", 3.0)):
        r = results["datasets"][name]
        t, rate = r["timings"], r["texts_per_s"]
        label = {"imdb": "IMDB reviews", "sms_spam": "SMS texts"}[name]
        rows.append(summary_row(
            f"serving raw text -> probabilities, {r['texts']:,} {label}, CPU, max {results['max_length']} pieces",
            f"{rate['exported']:,.0f} texts/s (exported SavedModel)",
            f"keras-hub `BertTextClassifier` + preprocessor {rate['keras_hub']:,.0f} texts/s",
            **speedup(t["exported"], t["keras_hub"]), target=target,
            note=f"in-process predict_proba {rate['predict_proba']:,.0f} texts/s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000, help="texts per data set")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    import keras_hub
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (the WordPiece op of the loaded SavedModel)

    from benchmarks.record import write_results
    from bertkeras import BertClassifier, datasets
    from bertkeras.finetuning.text_classifier import TextClassifier
    from bertkeras.pretrained import load_pretrained

    pretrained = load_pretrained()
    config = pretrained.config
    classifier = TextClassifier(BertClassifier(pretrained.backbone, num_classes=2), pretrained.tokenizer,
                                label_names=("negative", "positive"), max_length=args.max_length, threshold=0.5)
    workdir = tempfile.mkdtemp(prefix="bertkeras-serving-")
    serve = tf.saved_model.load(str(classifier.export(os.path.join(workdir, "1")))).signatures["serving_default"]

    vocabulary = list(pretrained.tokenizer.vocabulary)  # the shipped vocab.txt
    hub_backbone = keras_hub.models.BertBackbone(
        vocabulary_size=len(vocabulary), num_layers=config.num_layers, num_heads=config.num_heads,
        hidden_dim=config.hidden_dim, intermediate_dim=config.intermediate_dim,
        max_sequence_length=config.max_sequence_length)
    hub_preprocessor = keras_hub.models.BertTextClassifierPreprocessor(
        keras_hub.models.BertTokenizer(vocabulary=vocabulary, lowercase=pretrained.tokenizer.lowercase),
        sequence_length=args.max_length)
    hub = keras_hub.models.BertTextClassifier(hub_backbone, num_classes=2, preprocessor=hub_preprocessor,
                                              activation="softmax")

    def exported(texts):
        out = [serve(texts=tf.constant(texts[i:i + args.batch_size]))["probabilities"].numpy()
               for i in range(0, len(texts), args.batch_size)]
        return np.concatenate(out)

    results: dict = {"max_length": args.max_length, "batch_size": args.batch_size, "datasets": {},
                     "keras_hub_jit_compile": bool(getattr(hub, "jit_compile", False)),
                     "model": {"num_layers": config.num_layers, "hidden_dim": config.hidden_dim,
                               "num_heads": config.num_heads, "vocabulary_size": len(vocabulary)}}
    for name in ("imdb", "sms_spam"):
        data = datasets.load(name)
        texts = (data.test.texts + data.validation.texts + data.train.texts)[:args.texts]
        pieces = [len(row) for row in classifier.encode(texts)]  # [CLS] and [SEP] included
        served = exported(texts)
        reference = classifier.predict_proba(texts, batch_size=args.batch_size)
        timings = interleaved({
            "exported": lambda t=texts: exported(t),
            "keras_hub": lambda t=texts: hub.predict(t, batch_size=args.batch_size, verbose=0),
            "predict_proba": lambda t=texts: classifier.predict_proba(t, batch_size=args.batch_size),
        }, repeats=args.repeats)
        rates = {k: len(texts) / v["median_s"] for k, v in timings.items()}
        results["datasets"][name] = {
            "texts": len(texts), "mean_pieces": float(np.mean(pieces)), "median_pieces": float(np.median(pieces)),
            "timings": timings, "texts_per_s": rates,
            "exported_vs_keras_hub": rates["exported"] / rates["keras_hub"],
            "exported_vs_predict_proba_max_abs_diff": float(np.abs(served - reference).max()),
        }
        print(name, json.dumps(results["datasets"][name], indent=1), flush=True)
    path = write_results("serving", results, notes=(
        f"median of {args.repeats} repeats after one warm-up, the contenders' repeats taken in turn; batch size {args.batch_size}; texts in data-set "
        "order (test, validation, train splits); exported = TextClassifier.export loaded in-process with "
        "tf.saved_model.load; keras-hub = BertTextClassifier(preprocessor=BertTextClassifierPreprocessor) with "
        "random weights of the shipped tiny model's size, predict(); predict_proba = bertkeras in-process"),
        summary=summarize(results))
    print("wrote", path)


if __name__ == "__main__":
    main()
