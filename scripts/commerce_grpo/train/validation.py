"""Validation during GRPO: per-task mean reward plus each task's independent metric.

The independent metrics (``TaskSpec.validation_metric``) do not go through the reward's weights or
its lenient parser, so a reward bug cannot make them look good (L-reward-spec: reward and parser
bugs were the #1 failure mode): e.g. the valid-JSON rate (plain ``json.loads``) for extraction,
executes-and-matches for sql_qa, the share of push messages within the character limit. The
columns of eval_history.csv follow the run's tasks, in registry order.
"""
from __future__ import annotations

import math
import time
from typing import Sequence

import torch

from commerce_grpo import tasks as registry
from commerce_grpo.generation import generate
from commerce_grpo.rewards import score


def tasks_of(records) -> tuple[str, ...]:
    """The tasks present in ``records``, in registry order (the run's enabled tasks for its pair files)."""
    present = {r["task"] for r in records}
    return tuple(t for t in registry.REGISTRY if t in present)


def metric_columns(tasks: Sequence[str]) -> dict[str, str]:
    """{task: its independent metric's column} for those of ``tasks`` that declare one."""
    return {t: registry.get(t).validation_metric[0] for t in tasks if registry.get(t).validation_metric}


def history_columns(tasks: Sequence[str]) -> list[str]:
    """Columns of eval_history.csv for a run of ``tasks``, in order."""
    return (["step", "reward"] + [f"reward_{task}" for task in tasks] + list(metric_columns(tasks).values())
            + ["n_prompts", "eval_seconds"])


def stratified_subset(records: list[dict], size: int) -> list[dict]:
    """``size`` records taken round-robin across tasks in file order (0 = all): the same every eval."""
    if size == 0 or size >= len(records):
        return records
    tasks = tasks_of(records)
    by_task = {task: [r for r in records if r["task"] == task] for task in tasks}
    chosen, depth = [], 0
    while len(chosen) < size:
        for task in tasks:
            if depth < len(by_task[task]) and len(chosen) < size:
                chosen.append(by_task[task][depth])
        depth += 1
    return chosen


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
        self.tasks = tasks_of(records)
        self.columns = history_columns(self.tasks)

    def __call__(self, model, step: int) -> dict:
        started = time.perf_counter()
        # generate() seeds the global RNG; restoring it afterwards keeps the rollouts' random
        # stream independent of when evaluations happen (else every eval would replay it).
        # generate() also switches the model to inference and back through its backend (Unsloth:
        # for_inference / for_training, so gradient checkpointing survives the evaluation).
        with torch.random.fork_rng(devices=range(torch.cuda.device_count())):
            completions = generate(model, self.tokenizer, [r["prompt"] for r in self.records],
                                   seed=self.seed, **self.decoding)
        columns = metric_columns(self.tasks)
        rewards = {task: [] for task in self.tasks}
        metrics = {task: [] for task in columns}
        for record, text in zip(self.records, completions, strict=True):
            reward = score(record, text, db=self.db, config=self.rewards)
            rewards[record["task"]].append(reward.total)
            if record["task"] in metrics:
                metric = registry.get(record["task"]).validation_metric[1]
                metrics[record["task"]].append(metric(text, reward.components))
        everything = [value for values in rewards.values() for value in values]
        row = {"step": step, "reward": _mean(everything)}
        row.update({f"reward_{task}": _mean(values) for task, values in rewards.items()})
        row.update({columns[task]: _mean(values) for task, values in metrics.items()})
        row.update({"n_prompts": len(self.records), "eval_seconds": round(time.perf_counter() - started, 3)})
        return row


def _mean(values) -> float:
    return sum(values) / len(values) if values else math.nan
