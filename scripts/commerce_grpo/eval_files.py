"""The layout of ``results/eval/{arm}.jsonl`` and its ``{arm}.meta.json``, shared by the writer
(``evaluate.evaluate_arm``) and the reader (the report).

Both are read strictly: a record or meta file of another shape is an error naming the file (and
line), never a guess. This module imports nothing heavy, so the report does not load a model stack
to read a JSON file.
"""
from __future__ import annotations

import json
from pathlib import Path

from commerce_grpo.files import check_fields, read_jsonl
from commerce_grpo import tasks as registry

# One eval record per prompt (docs/contracts.md).
RECORD_KEYS = ("id", "task", "arm", "completion", "reward", "components")
# The sidecar: what produced the records and how fast (the report header shows device and backend).
META_KEYS = ("arm", "adapter", "prompts", "backend", "device", "decoding", "generation_seconds",
             "prompts_per_second")


def read_eval(path: str | Path, arm: str) -> dict[str, dict]:
    """{prompt id: eval record} of ``arm``; every record has the contract's keys and names that arm."""
    records = {}
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        check_fields(record, RECORD_KEYS, where, "eval record")
        if record["task"] not in registry.REGISTRY:
            raise ValueError(f"{where}: task {record['task']!r} is not one of {list(registry.REGISTRY)}")
        if record["arm"] != arm:
            raise ValueError(f"{where}: record of arm {record['arm']!r} in the file of arm {arm!r}")
        if not isinstance(record["reward"], (int, float)) or isinstance(record["reward"], bool):
            raise ValueError(f"{where}: reward {record['reward']!r} is not a number")
        if record["id"] in records:
            raise ValueError(f"{where}: duplicate prompt id {record['id']!r}")
        records[record["id"]] = record
    if not records:
        raise ValueError(f"{path}: no eval records")
    return records


def read_meta(path: str | Path, arm: str) -> dict:
    """The ``{arm}.meta.json`` sidecar, with every key of ``META_KEYS`` and the right arm."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: eval meta is a JSON object, got {type(meta).__name__}")
    missing = [key for key in META_KEYS if key not in meta]
    if missing:
        raise ValueError(f"{path}: eval meta lacks {missing}")
    if meta["arm"] != arm:
        raise ValueError(f"{path}: meta of arm {meta['arm']!r} given for arm {arm!r}")
    return meta
