"""The layout of ``results/eval/{arm}.jsonl`` and its ``{arm}.meta.json``, shared by the writer
(``evaluate.evaluate_arm``) and the reader (the report).

Each prompt is answered ``evaluate.samples_per_prompt`` (k) times at the eval decoding. A record
keeps the contract's keys — ``reward`` is the mean of the k samples' rewards (the per-prompt score
every test uses), ``completion`` the first sample (what examples show), ``components`` each
component's mean over the samples — and adds the k ``completions`` and their ``rewards``, and
``swap``: the same k outputs scored against another eval prompt of the same kind (a fixed
derangement, ``commerce_grpo.swaps``), ``{"partner": id, "rewards": [...]}``, or null for a prompt
without a partner. Both files are read strictly: a record or meta file of another shape is an error
naming the file (and line), never a guess. This module imports nothing heavy, so the report does not
load a model stack to read a JSON file.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Mapping, Sequence

from commerce_grpo.files import check_fields, read_jsonl
from commerce_grpo import tasks as registry

# One eval record per prompt (docs/contracts.md).
RECORD_KEYS = ("id", "task", "arm", "completion", "reward", "components", "completions", "rewards", "swap")
# The sidecar: what produced the records and how fast (the report header shows device and backend).
META_KEYS = ("arm", "adapter", "prompts", "samples_per_prompt", "backend", "device", "decoding",
             "generation_seconds", "scoring_seconds", "prompts_per_second")
# A record's reward is the mean of its samples' rewards up to float rounding.
MEAN_TOLERANCE = 1e-9


def eval_record(*, pair: Mapping, arm: str, completions: Sequence[str], rewards: Sequence,
                partner: str | None, swap_rewards: Sequence[float] | None) -> dict:
    """The record of one prompt: ``rewards`` are the k samples' ``Reward`` objects, ``swap_rewards``
    the totals of the same samples scored against ``partner``'s prompt (None without a partner)."""
    totals = [float(r.total) for r in rewards]
    names = list(dict.fromkeys(name for r in rewards for name in r.components))
    return {
        "id": pair["id"], "task": pair["task"], "arm": arm, "completion": completions[0],
        "reward": sum(totals) / len(totals),
        "components": {name: sum(float(r.components.get(name, 0.0)) for r in rewards) / len(rewards)
                       for name in names},
        "completions": list(completions), "rewards": totals,
        "swap": None if partner is None else {"partner": partner, "rewards": [float(r) for r in swap_rewards]},
    }


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_record(record: dict, where: str, arm: str) -> None:
    check_fields(record, RECORD_KEYS, where, "eval record")
    if record["task"] not in registry.REGISTRY:
        raise ValueError(f"{where}: task {record['task']!r} is not one of {list(registry.REGISTRY)}")
    if record["arm"] != arm:
        raise ValueError(f"{where}: record of arm {record['arm']!r} in the file of arm {arm!r}")
    if not _number(record["reward"]):
        raise ValueError(f"{where}: reward {record['reward']!r} is not a number")
    completions, rewards = record["completions"], record["rewards"]
    if not isinstance(completions, list) or not completions or not all(isinstance(t, str) for t in completions):
        raise ValueError(f"{where}: completions is a non-empty list of strings")
    if not isinstance(rewards, list) or len(rewards) != len(completions) or not all(map(_number, rewards)):
        raise ValueError(f"{where}: rewards is a list of {len(completions)} numbers, one per completion")
    if record["completion"] != completions[0]:
        raise ValueError(f"{where}: completion is not the first of completions")
    if abs(record["reward"] - sum(rewards) / len(rewards)) > MEAN_TOLERANCE:
        raise ValueError(f"{where}: reward {record['reward']} is not the mean of rewards {rewards}")
    swap = record["swap"]
    if swap is not None:
        check_fields(swap, ("partner", "rewards"), f"{where}: swap", "swap")
        if not isinstance(swap["rewards"], list) or len(swap["rewards"]) != len(completions) \
                or not all(map(_number, swap["rewards"])):
            raise ValueError(f"{where}: swap.rewards is a list of {len(completions)} numbers, one per completion")


def read_eval(path: str | Path, arm: str) -> dict[str, dict]:
    """{prompt id: eval record} of ``arm``; every record has the contract's keys and names that arm,
    every prompt has the same number of samples, and every swap partner is a prompt of the file
    with the same task."""
    records = {}
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        _check_record(record, where, arm)
        if record["id"] in records:
            raise ValueError(f"{where}: duplicate prompt id {record['id']!r}")
        first = next(iter(records.values()), record)
        if len(record["completions"]) != len(first["completions"]):
            raise ValueError(f"{where}: {len(record['completions'])} samples, the file's first record has "
                             f"{len(first['completions'])}")
        records[record["id"]] = record
    if not records:
        raise ValueError(f"{path}: no eval records")
    for record in records.values():
        swap = record["swap"]
        if swap is not None and (swap["partner"] == record["id"] or swap["partner"] not in records
                                 or records[swap["partner"]]["task"] != record["task"]):
            raise ValueError(f"{path}: {record['id']}'s swap partner {swap['partner']!r} is not another "
                             f"{record['task']} prompt of the file")
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
