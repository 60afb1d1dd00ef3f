"""The hand-labelled review set (``data/labeller/``) and the labeller's accuracy on it.

``reviews.jsonl`` holds the sentences (id, score, text) and no labels, so a second person can
label them blind; each ``labels_*.jsonl`` holds one labelling pass (id + the fields of
``labeller.LABEL_FIELDS``). The guide both passes follow is ``data/labeller/README.md``.
"""
from __future__ import annotations

from pathlib import Path

from ..files import read_jsonl
from .labeller import FLAGS, LABEL_FIELDS, label_review

SET_DIR = Path(__file__).resolve().parents[3] / "data" / "labeller"
CATEGORIES = ("entrega", "qualidade", "item_errado", "atendimento", "preco", "outro", "nenhuma")


def read_reviews(path) -> dict[str, dict]:
    """id → {"score", "text"}; a bad line names file and line."""
    rows = {}
    for number, row in read_jsonl(path):
        if not isinstance(row, dict) or set(row) != {"id", "score", "text"}:
            raise ValueError(f"{path}:{number}: expected keys id, score, text")
        if row["score"] not in (1, 2, 3, 4, 5) or not isinstance(row["text"], str) or row["id"] in rows:
            raise ValueError(f"{path}:{number}: bad score, text or duplicate id {row['id']!r}")
        rows[row["id"]] = {"score": row["score"], "text": row["text"]}
    return rows


def check_labels(labels: dict, where: str) -> dict:
    """``labels`` holds every field of the guide with an allowed value; else ValueError naming ``where``."""
    if any(not isinstance(labels[f], bool) for f in (*FLAGS, "would_recommend")) \
            or labels["complaint_category"] not in CATEGORIES:
        raise ValueError(f"{where}: flags and would_recommend are true/false, "
                         f"complaint_category one of {CATEGORIES}")
    return labels


def read_labels(path, key: str = "id") -> dict[str, dict]:
    """``key`` → labels of one pass; every field of the guide, with an allowed value, once per review."""
    rows = {}
    for number, row in read_jsonl(path):
        if not isinstance(row, dict) or set(row) != {key, *LABEL_FIELDS}:
            raise ValueError(f"{path}:{number}: expected keys {key}, {', '.join(LABEL_FIELDS)}")
        if row[key] in rows:
            raise ValueError(f"{path}:{number}: repeated {key} {row[key]!r}")
        rows[row[key]] = check_labels({f: row[f] for f in LABEL_FIELDS}, f"{path}:{number}")
    return rows


PASSES = ("labels_pass1.jsonl", "labels_pass2.jsonl")


def agreement(set_dir=SET_DIR, passes=PASSES) -> dict:
    """Per-field share of reviews on which two independent labelling passes agree, and the ids where
    they do not: how clear the guide is, and a ceiling on what any labeller can be scored at."""
    set_dir = Path(set_dir)
    first, second = (read_labels(set_dir / name) for name in passes)
    if set(first) != set(second):
        raise ValueError(f"{set_dir}: {passes[0]} and {passes[1]} label different ids")
    differ = {f: sorted(r for r in first if first[r][f] != second[r][f]) for f in LABEL_FIELDS}
    return {"n": len(first), "passes": list(passes),
            "agreement": {f: round(1 - len(d) / len(first), 4) for f, d in differ.items()},
            "differ": differ}


def evaluate(set_dir=SET_DIR, labels: str = PASSES[0]) -> dict | None:
    """Per-field accuracy of ``label_review`` against one labelling pass, and the ids it gets wrong;
    None when the set is not there (a checkout without ``data/labeller``)."""
    set_dir = Path(set_dir)
    if not (set_dir / "reviews.jsonl").is_file() or not (set_dir / labels).is_file():
        return None
    reviews, gold = read_reviews(set_dir / "reviews.jsonl"), read_labels(set_dir / labels)
    if set(reviews) != set(gold):
        raise ValueError(f"{set_dir}: {labels} and reviews.jsonl label different ids")
    wrong = {field: [] for field in LABEL_FIELDS}
    for rid in sorted(reviews):
        predicted = label_review(reviews[rid]["score"], reviews[rid]["text"])
        for field in LABEL_FIELDS:
            if predicted[field] != gold[rid][field]:
                wrong[field].append(rid)
    n = len(reviews)
    return {"n": n, "labels": labels,
            "accuracy": {f: round(1 - len(w) / n, 4) for f, w in wrong.items()},
            "wrong": wrong}
