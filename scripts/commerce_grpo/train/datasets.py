"""Pair records (``data.pairs.read_pairs``) → the datasets TRL's trainers consume."""
from __future__ import annotations

import json

from datasets import Dataset

from commerce_grpo.tasks import assistant_target


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
