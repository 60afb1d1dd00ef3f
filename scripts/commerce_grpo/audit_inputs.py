"""The audit's inputs: the items (``items.jsonl``) and the raters' scores (``ratings_<rater>.jsonl``).

Both readers are strict and name file, line and key: a rating that silently missed an item, or an
item whose adversarial link points at another prompt, would change ρ or the adversarial accuracy
without anyone noticing (L-reward-audit).
"""
from __future__ import annotations

import glob
import math
import re
from pathlib import Path
from typing import Iterable

from commerce_grpo import tasks as registry
from commerce_grpo.files import read_jsonl

# Ratings are whole numbers on RUBRIC.md's scale.
RATING_MIN, RATING_MAX = 0, 10
ITEM_KEYS = ("id", "task", "group", "record", "completion", "origin", "honest_of")
ORIGIN_KINDS = ("model", "gold", "variant", "adversarial")
RATINGS_NAME = re.compile(r"^ratings_(?P<rater>[A-Za-z0-9][A-Za-z0-9_.-]*)\.jsonl$")


def load_items(path: str | Path) -> list[dict]:
    """Read and validate ``items.jsonl``; errors name the file, line and key.

    Each item: ``id``, ``task``, ``group`` (the prompt it answers), ``record`` (the pair record:
    prompt messages and reference), ``completion``, ``origin`` (``kind``: model | gold |
    adversarial, plus arm/temperature or hack) and ``honest_of`` (for an adversarial item, the id
    of the gold item of the same prompt; else null).
    """
    items, seen = [], set()
    for lineno, item in read_jsonl(path):
        where = f"{path}:{lineno}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a JSON object")
        missing = [k for k in ITEM_KEYS if k not in item]
        if missing:
            raise ValueError(f"{where}: missing key(s) {missing}")
        if item["id"] in seen:
            raise ValueError(f"{where}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        if item["task"] not in registry.REGISTRY:
            raise ValueError(f"{where}: task {item['task']!r} is not one of {list(registry.REGISTRY)}")
        record = item["record"]
        if not isinstance(record, dict) or not isinstance(record.get("prompt"), list) \
                or not isinstance(record.get("reference"), dict):
            raise ValueError(f"{where}: record needs a 'prompt' message list and a 'reference' object")
        if record.get("split") == "eval":
            raise ValueError(f"{where}: an eval prompt in the audit items (eval prompts are for the final comparison only)")
        if not isinstance(item["completion"], str):
            raise ValueError(f"{where}: completion must be a string")
        origin = item["origin"]
        if not isinstance(origin, dict) or origin.get("kind") not in ORIGIN_KINDS:
            raise ValueError(f"{where}: origin.kind must be one of {list(ORIGIN_KINDS)}, got {origin!r}")
        if (origin["kind"] == "adversarial") != (item["honest_of"] is not None):
            raise ValueError(f"{where}: honest_of must name the gold item exactly when origin.kind is adversarial")
        items.append(item)
    by_id = {i["id"]: i for i in items}
    for item in items:
        honest = by_id.get(item["honest_of"]) if item["honest_of"] is not None else None
        if item["honest_of"] is not None and (honest is None or honest["origin"]["kind"] != "gold"
                                              or honest["group"] != item["group"]):
            raise ValueError(f"{path}: item {item['id']!r}: honest_of {item['honest_of']!r} is not the gold "
                             "item of the same prompt")
    return items


def ratings_paths(ratings: str | Path | Iterable[str | Path]) -> list[Path]:
    """The rating files: a glob pattern (config ``audit.ratings``) or an explicit list (Snakemake input)."""
    if isinstance(ratings, (str, Path)):
        return sorted(Path(p) for p in glob.glob(str(ratings)))
    return sorted(Path(p) for p in ratings)


def load_ratings(paths: Iterable[str | Path], item_ids: Iterable[str]) -> dict[str, dict[str, float]]:
    """rater id → {item id → score} from ``ratings_<rater>.jsonl`` files of ``{"id", "score"}`` lines.

    Strict: every rater scores every item exactly once, on RUBRIC.md's whole-number scale; an
    unknown id, a duplicate, a missing item or a score off the scale raises ValueError naming the
    file (and line). The rater id comes from the file name.
    """
    item_ids = list(item_ids)
    known = set(item_ids)
    raters: dict[str, dict[str, float]] = {}
    for path in paths:
        path = Path(path)
        match = RATINGS_NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: a ratings file must be named ratings_<rater id>.jsonl")
        rater = match["rater"]
        if rater in raters:
            raise ValueError(f"{path}: rater {rater!r} appears twice")
        scores: dict[str, float] = {}
        for lineno, row in read_jsonl(path):
            where = f"{path}:{lineno}"
            if not isinstance(row, dict) or set(row) < {"id", "score"}:
                raise ValueError(f"{where}: expected {{\"id\": ..., \"score\": ...}}, got {row!r}")
            if row["id"] not in known:
                raise ValueError(f"{where}: id {row['id']!r} is not an audit item")
            if row["id"] in scores:
                raise ValueError(f"{where}: item {row['id']!r} rated twice")
            value = row["score"]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or not RATING_MIN <= value <= RATING_MAX or value != int(value):
                raise ValueError(f"{where}: score must be a whole number from {RATING_MIN} to {RATING_MAX}, "
                                 f"got {value!r}")
            scores[row["id"]] = float(value)
        unrated = [i for i in item_ids if i not in scores]
        if unrated:
            raise ValueError(f"{path}: {len(unrated)} item(s) not rated, e.g. {unrated[:3]}")
        raters[rater] = scores
    return raters
