"""Pair records → the datasets TRL's trainers consume."""
from __future__ import annotations

import json
from pathlib import Path

from datasets import Dataset

from commerce_grpo.train.targets import assistant_target


def read_pairs(path, *, tasks=None) -> list[dict]:
    """Pair records of ``path`` (JSON lines), optionally only those of ``tasks``."""
    records = []
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                record["task"], record["prompt"], record["reference"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{line_number}: not a pair record ({error})") from error
            if tasks is None or record["task"] in tasks:
                records.append(record)
    if not records:
        raise ValueError(f"{Path(path)}: no pair records" + (f" for tasks {sorted(tasks)}" if tasks else ""))
    return records


def sft_dataset(records: list[dict]) -> Dataset:
    """Conversational ``messages`` (prompt + demonstration) for assistant-only SFT."""
    return Dataset.from_list([
        {"messages": record["prompt"] + [{"role": "assistant", "content": assistant_target(record)}]}
        for record in records
    ])


# Kept as JSON text: Arrow would merge the four tasks' different shapes into one struct padded
# with nulls, and the rewards would see keys the record never had.
JSON_COLUMNS = ("reference", "source")


def grpo_dataset(records: list[dict]) -> Dataset:
    """``prompt`` plus the columns the reward functions read: ``task``, ``reference``, ``source``."""
    return Dataset.from_list([
        {"prompt": record["prompt"], "task": record["task"], "id": record.get("id", ""),
         **{column: json.dumps(record.get(column, {}), ensure_ascii=False) for column in JSON_COLUMNS}}
        for record in records
    ])
