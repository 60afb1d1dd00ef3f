"""The pair files' layout, shared by their writer (``pairs.build_pairs``) and every reader.

Training, evaluation, the audit and the tiny model's tokenizer read ``results/pairs/*.jsonl``
through ``read_pairs``; the report reads ``results/pairs/stats.json`` through ``read_stats``.
Both are strict: a wrong file is an error naming the file and the line or key, never a guess.
The writer runs the same checks on what it has just written (``check_pair_file``), so a bad
line cannot leave the ``pairs`` rule and surface 36 s into a later job.
This module imports no database code, so readers do not pull in the pair builder.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..files import check_fields, read_jsonl
from .. import tasks as registry

PAIR_KEYS = ("id", "task", "prompt", "reference")
SPLITS = ("train", "validation", "eval")
SOURCES = ("synthetic", "olist")
# Top-level keys of stats.json, each always written (``text`` and ``labeller`` describe the
# review comments and the Olist-mode labeller's accuracy on the hand-labelled set).
STATS_KEYS = ("source", "counts", "total", "lengths", "coverage", "database", "text", "labeller")


def read_pairs(path, *, tasks=None) -> list[dict]:
    """Pair records of ``path``, optionally only those of ``tasks``: the one reader of pair files
    (training, evaluation, the audit, the tiny model's tokenizer). A bad record names file and line."""
    records = []
    for number, record in read_jsonl(path):
        check_record(record, f"{path}:{number}")
        if tasks is None or record["task"] in tasks:
            records.append(record)
    if not records:
        raise ValueError(f"{path}: no pair records" + (f" for tasks {sorted(tasks)}" if tasks else ""))
    return records


def check_record(record, where: str) -> None:
    """Raise ValueError (prefixed by ``where``) unless ``record`` has the pair record's shape."""
    check_fields(record, PAIR_KEYS, where, "pair record")
    if record["task"] not in registry.REGISTRY:
        raise ValueError(f"{where}: unknown task {record['task']!r} (expected one of {list(registry.REGISTRY)})")
    prompt = record["prompt"]
    if not isinstance(prompt, list) or not all(isinstance(m, dict) and {"role", "content"} <= m.keys()
                                               and isinstance(m["content"], str) for m in prompt):
        raise ValueError(f"{where}: prompt is not a list of chat messages (role, content)")
    if not isinstance(record["reference"], dict) or not record["reference"]:
        raise ValueError(f"{where}: reference is not a non-empty JSON object")


def check_pair_file(path, *, split: str, expected: int) -> None:
    """Read back a file the builder wrote: every line a valid record of ``split``, ``expected`` of them,
    ids unique. Raises ValueError naming the file and line (issue: a bad line must not leave ``pairs``)."""
    records = read_pairs(path)
    seen = set()
    for number, record in enumerate(records, 1):
        if record.get("split") != split:
            raise ValueError(f"{path}:{number}: split {record.get('split')!r}, expected {split!r}")
        if record["id"] in seen:
            raise ValueError(f"{path}:{number}: duplicate id {record['id']!r}")
        seen.add(record["id"])
    if len(records) != expected:
        raise ValueError(f"{path}: {len(records)} records written, expected {expected}")


def read_stats(path) -> dict:
    """``results/pairs/stats.json`` as a dict; a missing key or a wrong ``source`` raises ValueError
    naming the file and the key (the report reads exactly this layout, nothing else)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: pair stats are a JSON object, got {type(data).__name__}")
    for key in STATS_KEYS:
        if key not in data:
            raise ValueError(f"{path}: pair stats lack key {key!r}")
    if data["source"] not in SOURCES:
        raise ValueError(f"{path}: key 'source' is {data['source']!r}, expected one of {list(SOURCES)}")
    for key in ("counts", "total"):
        missing = [split for split in SPLITS if split not in data[key]]
        if missing:
            raise ValueError(f"{path}: pair stats key {key!r} lacks split(s) {missing}")
    return data
