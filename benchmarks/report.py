"""Render the README's results table from ``benchmarks/results/*.json``: never typed by hand.

    python -m benchmarks.report                 # print the markdown
    python -m benchmarks.report --write         # replace the block between the markers in README.md
    python -m benchmarks.report --resummarize   # recompute each file's "summary" from its "results"

Each results file may carry a ``summary``: a list of rows ``{metric, ours, peer, ratio, ratio_min,
ratio_max, target, met, note}`` (see ``benchmarks.record.summary_row``). Every file present is rendered,
whatever the benchmark; a file without a summary gets one row pointing at the file. Files may also carry
``published``: rows ``{figure, value, source}`` added to the published-figures table below.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from benchmarks.record import RESULTS_DIR

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"

#: Benchmarks in the order a reader meets them; any other results file follows, alphabetically.
ORDER = ["tokenizer", "pretraining_pipeline", "model_step", "pretraining_step", "pretrain_recipe", "finetune"]

#: Peers' published figures, each with where it is printed. Not measured here: context for ours.
PUBLISHED = [
    {"figure": "BERT-base parameters (L=12, H=768, A=12)", "value": "110 M",
     "source": "Devlin et al. 2019, *BERT* (arXiv:1810.04805), §3"},
    {"figure": "BERT-large parameters (L=24, H=1024, A=16)", "value": "340 M",
     "source": "Devlin et al. 2019, §3"},
    {"figure": "GLUE test average, BERT-base / BERT-large", "value": "79.6 / 82.1",
     "source": "Devlin et al. 2019, Table 1"},
    {"figure": "SST-2 test accuracy, BERT-base / BERT-large", "value": "93.5 / 94.9",
     "source": "Devlin et al. 2019, Table 1"},
    {"figure": "IMDB test accuracy, NBSVM with bigrams (no neural network)", "value": "91.22 %",
     "source": "Wang & Manning 2012, *Baselines and Bigrams* (ACL)"},
    {"figure": "IMDB validation accuracy, one Transformer block from scratch, 2 epochs", "value": "0.8745",
     "source": "keras.io example *Text classification with Transformer* (Nandan), printed log"},
    {"figure": "IMDB test accuracy, 1-layer BERT MLM-pre-trained on IMDB, then fine-tuned",
     "value": "0.844 (best epoch 0.863)",
     "source": "keras.io example *End-to-end Masked Language Modeling with BERT* (Singh), printed log"},
    {"figure": "MLM accuracy on masked tokens, WikiText-103 validation, 3 layers × 256, 8 epochs",
     "value": "0.455", "source": "keras.io guide *Pretraining a Transformer from scratch with KerasHub* "
                                 "(Watson), printed log"},
    {"figure": "SST-2 validation accuracy after that pre-training, fine-tuned 3 epochs", "value": "0.855",
     "source": "the same guide, printed log"},
]


def load_results(results_dir: Path = RESULTS_DIR) -> list[dict]:
    """Every ``*.json`` in ``results_dir`` (parsed, with ``_file`` added), in ``ORDER`` then by name."""
    records = []
    for path in sorted(results_dir.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        record["_file"] = path.name
        records.append(record)

    def key(record):
        name = record.get("benchmark", record["_file"])
        return (ORDER.index(name) if name in ORDER else len(ORDER), name, record["_file"])

    return sorted(records, key=key)


def fmt_ratio(value: float) -> str:
    """``29.35`` -> ``29×``, ``2.431`` -> ``2.4×``, ``0.9905`` -> ``0.99×``."""
    if value >= 10:
        return f"{value:.0f}×"
    if value >= 2:
        return f"{value:.1f}×"
    return f"{value:.2f}×"


def ratio_cell(row: dict) -> str:
    if row.get("ratio") is None:
        return "—"
    text = fmt_ratio(row["ratio"])
    if row.get("ratio_min") is not None and row.get("ratio_max") is not None:
        text += f" ({fmt_ratio(row['ratio_min']).rstrip('×')}–{fmt_ratio(row['ratio_max'])})"
    return text


def target_cell(row: dict) -> str:
    """Met or missed, and by how much for a numeric target; the note, if any, after it."""
    target = row.get("target")
    parts = []
    if isinstance(target, int | float) and not isinstance(target, bool):
        ratio = row.get("ratio")
        if ratio is None:
            parts.append(f"≥ {target:.2f}×: not measured")
        elif ratio >= target:
            parts.append(f"≥ {target:.2f}×: met")
        else:
            gap, more = target - ratio, target / ratio - 1
            # A near miss keeps a digit more, so it never reads "missed by 0.00× (needs 0% more)".
            parts.append(f"≥ {target:.2f}×: **missed** by {gap:.2f}× (needs {more:.0%} more)" if gap >= 0.005 else
                         f"≥ {target:.2f}×: **missed** by {gap:.3f}× (needs {more:.1%} more)")
    elif target:
        state = {True: "met", False: "**missed**"}.get(row.get("met"), "not judged")
        parts.append(f"{target}: {state}")
    if row.get("note"):
        parts.append(row["note"])
    return "; ".join(parts)


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(records: list[dict]) -> str:
    """The markdown between the README markers, from parsed results files (``load_results``)."""
    lines = [
        "<!-- generated by `python -m benchmarks.report --write` from benchmarks/results/*.json;"
        " edit those, not this -->",
        "",
        "Each peer is measured in the same run on the same machine. *ratio* is how many times better bertkeras is",
        "(above 1: bertkeras ahead), from medians, with the spread over repeats in brackets (the worst and best",
        "round, seed or pairing of repeats; each file's notes say which).",
        "The JSON files in `benchmarks/results/` hold the versions, the exact command and every timing.",
        "",
        "| what | bertkeras | peer | ratio (min–max) | target / note | machine, date |",
        "|---|---|---|---|---|---|",
    ]
    if not records:
        lines.append("| no results files yet: run `make bench` | | | | | |")
    for record in records:
        where = f"{record.get('machine', '?')}, {str(record.get('date', '?'))[:10]}"
        rows = record.get("summary") or [
            {"metric": f"{record.get('benchmark', record['_file'])}: no summary, see `{record['_file']}`",
             "ours": "", "peer": ""}]
        for row in rows:
            when = f"{record.get('machine', '?')}, {row['date'][:10]}" if row.get("date") else where
            lines.append("| " + " | ".join(cell(c) for c in (
                row.get("metric", ""), row.get("ours", ""), row.get("peer", ""), ratio_cell(row),
                target_cell(row), when)) + " |")
    names = ", ".join(dict.fromkeys(f"`{r['benchmark']}`" for r in records if r.get("benchmark")))
    published = list(PUBLISHED)
    for record in records:
        published += [p for p in record.get("published", []) if p not in published]
    lines += [
        "",
        "Published figures of peers and of BERT itself, for scale (not measured here; each from where it is printed):",
        "",
        "| figure | value | source |",
        "|---|---|---|",
        *("| " + " | ".join(cell(p[k]) for k in ("figure", "value", "source")) + " |" for p in published),
        "",
        "Reproduce: `make bench` re-measures everything on the CPU (fewer repeats of the slowest peers, SMS spam",
        "only for fine-tuning; 13.1 minutes on 2 cores, 2026-12-07) and rewrites this table; `make bench-full`",
        "runs every script at its defaults (about an hour), `make bench-gpu` the GPU set (training steps of mini",
        "and base at lengths 128 and 512, fp32 and bf16, XLA off and on, each with its MFU; the 30-minute mini",
        "pre-training). What a run does not re-measure stays, with its own date. `pretrain_recipe` records",
        "pre-training runs (`--record runs/NAME/model/metrics.json` for one made with `bertkeras pretrain`).",
        "One benchmark alone:",
        f"`python -m benchmarks.NAME` ({names or 'NAME: a script in benchmarks/'}), then",
        "`python -m benchmarks.report --write`.",
    ]
    return "\n".join(lines) + "\n"


def readme_block(text: str) -> str:
    """The text between the markers (exclusive), or an error if they are missing."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise ValueError(f"README.md needs exactly one {START} ... {END} pair")
    return text[text.index(START) + len(START):text.index(END)].strip("\n") + "\n"


def replace_block(text: str, block: str) -> str:
    readme_block(text)  # validates the markers
    return text[:text.index(START) + len(START)] + "\n" + block + text[text.index(END):]


def resummarize(results_dir: Path = RESULTS_DIR) -> list[Path]:
    """Recompute ``summary`` for each file whose script (``benchmarks.<benchmark>``) has ``summarize``."""
    changed = []
    for path in sorted(results_dir.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        try:
            module = importlib.import_module(f"benchmarks.{record.get('benchmark', '')}")
        except ImportError:
            continue
        if hasattr(module, "summarize"):
            record["summary"] = module.summarize(record["results"])
            path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the results block in README.md")
    parser.add_argument("--resummarize", action="store_true",
                        help="recompute each results file's summary from its results first")
    args = parser.parse_args(argv)
    if args.resummarize:
        for path in resummarize():
            print("resummarized", path.relative_to(ROOT))
    block = render(load_results())
    if not args.write:
        sys.stdout.write(block)
        return 0
    README.write_text(replace_block(README.read_text(encoding="utf-8"), block), encoding="utf-8")
    print("wrote the results table in", README.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
