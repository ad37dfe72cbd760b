"""Throughput of the pre-training input pipeline alone (no model), against keras-hub's masker, in one run.

    python -m benchmarks.pretraining_pipeline                 # BBC News, vocabulary 8,000, 128 tokens
    python -m benchmarks.pretraining_pipeline --documents 300 # a quicker run

Measures on the same pairs, machine and process:
  * the Python stage: tokenising the documents and making NSP pairs (pairs/s), done once and cacheable;
  * examples/s of one training epoch of ``pretraining_dataset`` (shuffle, batch, graph MLM masking with
    stateless seeds, prefetch), token-level and whole-word;
  * the same pipeline with keras-hub's ``MaskedLMMaskGenerator`` in place of ``TFMasker`` (the peer);
  * the plain-Python reference masking (``masking.mask_tokens``) per example, for scale;
  * a cached evaluation pass (fixed masks);
  * for scale, the training step it feeds: ``BertPretrainer`` (MLM + NSP, BERT's AdamW) at tiny and mini
    size on batches from this very pipeline, so the results say how many times faster than the model
    the pipeline is (it must not be the bottleneck).
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def count_examples(ds) -> int:
    n = 0
    for inputs, _ in ds:
        n += int(inputs["token_ids"].shape[0])
    return n


def step_rate(preset: str, dataset, vocabulary_size: int, batch_size: int, steps: int) -> dict:
    """Examples/s of ``BertPretrainer.train_on_batch`` on full batches taken from ``dataset`` (3 warm-up)."""
    import keras

    from benchmarks.record import measure
    from bertkeras import BertBackbone, BertConfig, BertPretrainer
    from bertkeras.pretraining.optimization import bert_optimizer, training_precision

    keras.utils.set_random_seed(0)
    config = BertConfig.from_preset(preset, vocabulary_size=vocabulary_size)
    model = BertPretrainer(BertBackbone.from_bert_config(config))
    with training_precision() as precision:  # what `bertkeras pretrain` picks here: XLA only on a GPU
        jit = precision["jit_compile"]
    model.compile(optimizer=bert_optimizer(1e-4, total_steps=1000), jit_compile=jit)
    batches = iter(list(dataset.take(steps + 3)))  # in memory first: only the step is timed
    timing = measure(lambda: model.train_on_batch(*next(batches)), repeats=steps, warmup=3)
    return {"examples_per_s": batch_size / timing["median_s"], **timing, "jit_compile": jit}


def summarize(results: dict) -> list[dict]:
    """The README rows for this benchmark (see ``benchmarks.report``)."""
    from benchmarks.record import speedup, summary_row

    ours, hub = results["bertkeras_token_level"], results["keras_hub_masked_lm_mask_generator"]
    shape = f"{results['pairs']:,} BBC News pairs × {results['max_sequence_length']}"
    return [
        summary_row(f"pre-training input pipeline (shuffle, batch, MLM masking), {shape}",
                    f"{ours['examples_per_s']:,.0f} examples/s",
                    f"keras-hub `MaskedLMMaskGenerator` {hub['examples_per_s']:,.0f} examples/s",
                    **speedup(ours, hub)),
        summary_row("the same with whole-word masking",
                    f"{results['bertkeras_whole_word']['examples_per_s']:,.0f} examples/s",
                    note="keras-hub has no whole-word option"),
    ] + [
        summary_row(f"the training step it feeds: `BertPretrainer` {preset} (MLM + NSP), batch "
                    f"{results['batch_size']}, vocabulary {results['vocabulary_size']:,}",
                    f"{step['examples_per_s']:,.1f} examples/s",
                    target="input pipeline faster than the training step",
                    met=ours["examples_per_s"] > step["examples_per_s"],
                    note=f"the pipeline runs {ours['examples_per_s'] / step['examples_per_s']:,.0f}× faster")
        for preset, step in results.get("training_step", {}).items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=None, help="use only this many BBC News documents")
    parser.add_argument("--vocabulary-size", type=int, default=8000)
    parser.add_argument("--max-sequence-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--dupe-factor", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--step-presets", default="tiny,mini", help="presets whose training step is timed ('' for none)")
    parser.add_argument("--step-count", type=int, default=10, help="timed training steps per preset")
    args = parser.parse_args()

    import keras_hub
    import numpy as np
    import tensorflow as tf

    from benchmarks.record import measure, write_results
    from bertkeras import WordPieceTokenizer, corpus, train_vocabulary
    from bertkeras.pretraining.masking import mask_tokens
    from bertkeras.pretraining.nsp_pairs import create_nsp_pairs, pack_pairs, tokenize_documents
    from bertkeras.pretraining.pipeline import pretraining_dataset

    documents = corpus.pretraining_documents(("bbc_news",), limit=args.documents)
    tokenizer = WordPieceTokenizer(train_vocabulary([s for d in documents for s in d],
                                                    vocabulary_size=args.vocabulary_size))
    results: dict = {"documents": len(documents), "vocabulary_size": tokenizer.vocabulary_size,
                     "max_sequence_length": args.max_sequence_length, "batch_size": args.batch_size}

    start = time.perf_counter()
    token_docs = tokenize_documents(documents, tokenizer)
    results["tokenize_s"] = time.perf_counter() - start
    start = time.perf_counter()
    pairs = create_nsp_pairs(token_docs, rng=random.Random(0), max_sequence_length=args.max_sequence_length,
                             dupe_factor=args.dupe_factor)
    pair_s = time.perf_counter() - start
    arrays = pack_pairs(pairs, args.max_sequence_length, cls_id=tokenizer.cls_id, sep_id=tokenizer.sep_id,
                        pad_id=tokenizer.pad_id)
    n = len(pairs)
    results.update(pairs=n, nsp_pairs_per_s=n / pair_s, not_next_share=float(arrays["nsp_labels"].mean()),
                   mean_real_tokens=float(arrays["padding_mask"].sum(1).mean()))

    def epoch_rate(ds):
        timing = measure(lambda: count_examples(ds), repeats=args.repeats, warmup=1)
        return {"examples_per_s": n / timing["median_s"], **timing}

    vocab = tokenizer.vocabulary
    results["bertkeras_token_level"] = epoch_rate(pretraining_dataset(arrays, vocab, batch_size=args.batch_size))
    results["bertkeras_whole_word"] = epoch_rate(
        pretraining_dataset(arrays, vocab, batch_size=args.batch_size, whole_word=True))
    results["bertkeras_eval_cached"] = epoch_rate(
        pretraining_dataset(arrays, vocab, batch_size=args.batch_size, training=False))

    # The peer: the same shuffle/batch/prefetch pipeline, masked by keras-hub's MaskedLMMaskGenerator.
    generator = keras_hub.layers.MaskedLMMaskGenerator(
        vocabulary_size=tokenizer.vocabulary_size, mask_selection_rate=0.15, mask_token_id=tokenizer.mask_id,
        mask_selection_length=20, unselectable_token_ids=[tokenizer.pad_id, tokenizer.cls_id, tokenizer.sep_id])

    def hub_map(batch):
        masked = generator(batch["token_ids"])
        inputs = {"token_ids": masked["token_ids"], "segment_ids": batch["segment_ids"],
                  "padding_mask": batch["padding_mask"], "mask_positions": masked["mask_positions"]}
        return inputs, {"mask_ids": masked["mask_ids"], "mask_weights": masked["mask_weights"],
                        "nsp_labels": batch["nsp_labels"]}

    hub_ds = (tf.data.Dataset.from_tensor_slices(arrays).shuffle(n, seed=0).batch(args.batch_size)
              .map(hub_map, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))
    results["keras_hub_masked_lm_mask_generator"] = epoch_rate(hub_ds)
    results["ratio_token_level_vs_keras_hub"] = (results["bertkeras_token_level"]["examples_per_s"]
                                                 / results["keras_hub_masked_lm_mask_generator"]["examples_per_s"])

    sample = arrays["token_ids"][: min(n, 2000)].tolist()
    rng = random.Random(0)
    timing = measure(lambda: [mask_tokens(r, vocab, rng=rng) for r in sample], repeats=3, warmup=1)
    results["python_reference_mask_tokens"] = {"examples_per_s": len(sample) / timing["median_s"], **timing}
    results["unmaskable_rows"] = int(np.sum((arrays["token_ids"] > 4).sum(1) == 0))

    train_ds = pretraining_dataset(arrays, vocab, batch_size=args.batch_size)
    results["training_step"] = {preset: step_rate(preset, train_ds, tokenizer.vocabulary_size, args.batch_size,
                                                  args.step_count)
                                for preset in filter(None, args.step_presets.split(","))}

    path = write_results("pretraining_pipeline", results,
                         notes="Input pipeline alone (no model), then the BertPretrainer step it feeds, for scale. "
                               "keras-hub peer: same shuffle/batch/prefetch with MaskedLMMaskGenerator (it has no "
                               "whole-word option and no NSP).",
                         summary=summarize(results))
    for key, value in results.items():
        print(f"{key}: {value}")
    print("wrote", path)


if __name__ == "__main__":
    main()
