"""Each task component as its own TRL reward function, so GDPO is a real choice.

TRL calls every reward function on every batch with the dataset columns as keyword arguments
(``task``, ``reference``, ...). A function scores the items of its own task and returns None for
the others; with ``multi_objective_aggregation="normalize_then_sum"`` TRL normalises each
component within its group (GDPO) and with ``sum_then_normalize`` the weighted sum
equals ``score().total`` before clipping. Weights come from ``reward_weights`` (penalties negative).

A batch is scored once per completion and shared by the functions of one task (an LRU memo keyed
by task, prompt, reference and completion), so executing SQL does not repeat per component.

With ``rewards.judge.enabled`` one more function, "judge/rubric" (rewards/judge.py), comes last with
weight ``rewards.judge.weight``; its failed calls are counted under ``errors`` key "judge" and
score None (NaN to TRL), never 0.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from commerce_grpo.rewards import errors, judge
from commerce_grpo.rewards.config import settings
from commerce_grpo.rewards.core import Reward
from commerce_grpo.rewards.scoring import score, task_of


def _key(value: Any) -> str:
    """A hashable, lossless stand-in for a batch item (strings stay strings after ``_loads``)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _column(kwargs: Mapping[str, Any], name: str, n: int) -> list:
    values = kwargs.get(name)
    return list(values) if isinstance(values, (list, tuple)) and len(values) == n else [None] * n


def make_reward_functions(*, db: str | os.PathLike | None, config: Mapping[str, Any] | None,
                          tasks: Sequence[str]) -> list[Callable[..., list[float | None]]]:
    """One TRL reward function per (task, component) of ``tasks`` (the run's), named ``"{task}/{component}"``.

    Signature ``f(prompts, completions, task=None, reference=None, **kwargs) -> list[float | None]``;
    completions may be strings or conversational message lists. A missing ``task`` column is
    filled by the prompt classifier. The order matches ``reward_weights(config, tasks=tasks)``.
    """
    cfg = settings(config)
    db = None if db is None else str(db)
    unknown = [t for t in tasks if t not in cfg.weights]
    if unknown:
        raise ValueError(f"make_reward_functions: unknown task(s) {unknown} (known: {list(cfg.weights)})")

    @lru_cache(maxsize=8192)
    def cached_score(task: str, prompt_key: str, reference_key: str, source_key: str, completion_key: str) -> Reward:
        record = {"task": task, "prompt": _loads(prompt_key), "reference": _loads(reference_key),
                  "source": _loads(source_key)}
        return score(record, _loads(completion_key), db=db, config=cfg)

    def make(task: str, component: str):
        def reward_function(prompts, completions, task=None, reference=None, **kwargs):
            n = len(completions)
            tasks_col = task if isinstance(task, (list, tuple)) and len(task) == n else [None] * n
            references = reference if isinstance(reference, (list, tuple)) and len(reference) == n else [None] * n
            sources = _column(kwargs, "source", n)
            prompts = list(prompts) if prompts is not None and len(prompts) == n else [None] * n
            out: list[float | None] = []
            for prompt, completion, item_task, ref, source in zip(prompts, completions, tasks_col, references, sources):
                try:
                    item_task = item_task if item_task in cfg.weights else task_of({"prompt": prompt})
                    if item_task != this_task:
                        out.append(None)
                        continue
                    reward = cached_score(this_task, _key(prompt), _key(ref), _key(source), _key(completion))
                    out.append(float(reward.components.get(component, 0.0)))
                except Exception as exc:  # never kill a run: count, log, score 0
                    errors.record(this_task, exc)
                    out.append(0.0)
            return out

        this_task = task
        reward_function.__name__ = reward_function.__qualname__ = f"{task}/{component}"
        return reward_function

    functions = [make(task, component) for task in tasks for component in cfg.weights[task]]
    if judge.enabled(config):  # the optional LLM judge: one more function, last (see reward_weights)
        functions.append(judge.make_judge_function(config))
    return functions


def _loads(key: str) -> Any:
    return json.loads(key)


def reward_weights(config: Mapping[str, Any] | None, *, tasks: Sequence[str]) -> list[float]:
    """TRL ``reward_weights`` in the order of ``make_reward_functions`` (penalties negative)."""
    cfg = settings(config)
    weights = [cfg.weights[task][component] for task in tasks for component in cfg.weights[task]]
    if judge.enabled(config):
        weights.append(float(judge.judge_settings(config)["weight"]))
    return weights
