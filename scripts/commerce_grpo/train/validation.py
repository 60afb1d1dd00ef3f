"""Validation during GRPO: per-task mean reward plus one independent metric per task.

The independent metrics do not go through the reward's weights or its lenient parser, so a reward
bug cannot make them look good (L-reward-spec: reward and parser bugs were the #1 failure mode):
valid-JSON rate (plain ``json.loads``) for extraction, executes-and-matches rate for sql_qa, the
share of push messages within the character limit.
"""
from __future__ import annotations

import json
import math
import re
import time

import torch

from commerce_grpo.generation import generate
from commerce_grpo.prompts import PUSH_MAX_CHARS, TASKS
from commerce_grpo.rewards import score

_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.S)
METRICS = {
    "extraction": "extraction_json_valid_rate",
    "sql_qa": "sql_qa_exec_match_rate",
    "push": f"push_within_{PUSH_MAX_CHARS}_rate",
}


def history_columns() -> list[str]:
    """Columns of eval_history.csv, in order."""
    return (["step", "reward"] + [f"reward_{task}" for task in TASKS] + list(METRICS.values())
            + ["n_prompts", "eval_seconds"])


def stratified_subset(records: list[dict], size: int) -> list[dict]:
    """``size`` records taken round-robin across tasks in file order (0 = all): the same every eval."""
    if size == 0 or size >= len(records):
        return records
    by_task = {task: [r for r in records if r["task"] == task] for task in TASKS}
    chosen, depth = [], 0
    while len(chosen) < size:
        for task in TASKS:
            if depth < len(by_task[task]) and len(chosen) < size:
                chosen.append(by_task[task][depth])
        depth += 1
    return chosen


def is_valid_json_object(text: str) -> bool:
    match = _FENCE.match(text.strip())
    try:
        return isinstance(json.loads(match.group(1) if match else text), dict)
    except ValueError:
        return False


def independent_metric(task: str, text: str, components) -> float | None:
    if task == "extraction":
        return float(is_valid_json_object(text))
    if task == "sql_qa":
        return float(components.get("result_match", 0.0) >= 1.0)
    if task == "push":
        return float(len(text.strip()) <= PUSH_MAX_CHARS)
    return None


class ValidationEvaluator:
    """Generates for the validation prompts with explicit decoding and scores them.

    Decoding is passed explicitly on every call: the model's generation_config never decides it
    (L-gen-config).
    """

    def __init__(self, records, *, tokenizer, db, rewards, decoding: dict, seed: int):
        self.records = records
        self.tokenizer = tokenizer
        self.db = str(db) if db else None
        self.rewards = rewards
        self.decoding = decoding
        self.seed = seed

    def __call__(self, model, step: int) -> dict:
        started = time.perf_counter()
        # generate() seeds the global RNG; restoring it afterwards keeps the rollouts' random
        # stream independent of when evaluations happen (else every eval would replay it).
        # generate() also switches the model to inference and back through its backend (Unsloth:
        # for_inference / for_training, so gradient checkpointing survives the evaluation).
        with torch.random.fork_rng(devices=range(torch.cuda.device_count())):
            completions = generate(model, self.tokenizer, [r["prompt"] for r in self.records],
                                   seed=self.seed, **self.decoding)
        rewards = {task: [] for task in TASKS}
        metrics = {task: [] for task in METRICS}
        for record, text in zip(self.records, completions, strict=True):
            reward = score(record, text, db=self.db, config=self.rewards)
            rewards[record["task"]].append(reward.total)
            value = independent_metric(record["task"], text, reward.components)
            if value is not None:
                metrics[record["task"]].append(value)
        everything = [value for values in rewards.values() for value in values]
        row = {"step": step, "reward": _mean(everything)}
        row.update({f"reward_{task}": _mean(values) for task, values in rewards.items()})
        row.update({METRICS[task]: _mean(values) for task, values in metrics.items()})
        row.update({"n_prompts": len(self.records), "eval_seconds": round(time.perf_counter() - started, 3)})
        return row


def _mean(values) -> float:
    return sum(values) / len(values) if values else math.nan
