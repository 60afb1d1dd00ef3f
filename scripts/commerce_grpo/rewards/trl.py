"""Each task component as its own TRL reward function, so GDPO is a real choice.

TRL calls every reward function on every batch with the dataset columns as keyword arguments
(``task``, ``reference``, ...). A function scores the items of its own task and returns None for
the others; with ``multi_objective_aggregation="normalize_then_sum"`` TRL normalises each
component within its group (GDPO) and with ``sum_then_normalize`` the weighted sum
equals ``score().total`` before clipping. Weights come from ``reward_weights`` (penalties negative).

A batch is scored once per completion and shared by the functions of one task (a memo keyed by
task, prompt, reference and completion), so executing SQL does not repeat per component. With a
database, the first function of a task scores the batch's items concurrently inside one
``sql_sandbox.batch``: their queries go to the worker pool at once (``rewards.sql.workers``
processes) under one time budget (``rewards.sql.batch_timeout_s``), so 16 slow queries cost about
two timeouts, not sixteen. ``score(record, completion)`` stays the single, pure entry point: the
batch only decides when each call runs.

With ``rewards.judge.enabled`` one more function, "judge/rubric" (rewards/judge.py), comes last with
weight ``rewards.judge.weight``; its failed calls are counted under ``errors`` key "judge" and
score None (NaN to TRL), never 0.
"""
from __future__ import annotations

import contextvars
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping, Sequence

from commerce_grpo.rewards import judge
from commerce_grpo.rewards.config import settings
from commerce_grpo.rewards.scoring import score, task_of
from commerce_grpo.tasklib import errors, sql_sandbox
from commerce_grpo.tasklib.core import Reward

# Scored items kept for the other components of the same batch (cleared when full).
MAX_MEMO = 8192
_UNREADABLE = object()  # a batch item whose task or key could not be read: scores 0 (counted)

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

    memo: dict[tuple, Reward | None] = {}
    memo_lock = threading.Lock()

    def score_key(key: tuple) -> Reward | None:
        """``score()`` of one batch item; None (counted) if it raised despite its contract."""
        task, prompt_key, reference_key, source_key, completion_key = key
        record = {"task": task, "prompt": _loads(prompt_key), "reference": _loads(reference_key),
                  "source": _loads(source_key)}
        try:
            return score(record, _loads(completion_key), db=db, config=cfg)
        except Exception as exc:  # never kill a run: count, log, score 0
            errors.record(task, exc)
            return None

    def score_batch(keys: list[tuple]) -> dict[tuple, Reward | None]:
        """Every key's reward: from the memo, else scored now (concurrently when SQL may run)."""
        with memo_lock:
            known = {key: memo[key] for key in keys if key in memo}
        todo = [key for key in dict.fromkeys(keys) if key not in known]
        if db is not None and len(todo) > 1:
            with sql_sandbox.batch(workers=cfg.workers, budget_s=cfg.batch_timeout_s):
                contexts = [contextvars.copy_context() for _ in todo]  # each carries the batch
                with ThreadPoolExecutor(max_workers=min(cfg.workers, len(todo))) as pool:
                    done = list(pool.map(lambda ctx, key: ctx.run(score_key, key), contexts, todo))
        else:
            done = [score_key(key) for key in todo]
        known.update(zip(todo, done))
        with memo_lock:
            if len(memo) + len(todo) > MAX_MEMO:
                memo.clear()
            memo.update(zip(todo, done))
        return known

    def make(task: str, component: str):
        def reward_function(prompts, completions, task=None, reference=None, **kwargs):
            n = len(completions)
            tasks_col = task if isinstance(task, (list, tuple)) and len(task) == n else [None] * n
            references = reference if isinstance(reference, (list, tuple)) and len(reference) == n else [None] * n
            sources = _column(kwargs, "source", n)
            prompts = list(prompts) if prompts is not None and len(prompts) == n else [None] * n
            keys: list = []  # per item: its memo key, None (another task's item) or _UNREADABLE
            for prompt, completion, item_task, ref, source in zip(prompts, completions, tasks_col, references, sources):
                try:
                    item_task = item_task if item_task in cfg.weights else task_of({"prompt": prompt})
                    keys.append((this_task, _key(prompt), _key(ref), _key(source), _key(completion))
                                if item_task == this_task else None)
                except Exception as exc:  # never kill a run: count, log, score 0
                    errors.record(this_task, exc)
                    keys.append(_UNREADABLE)
            rewards = score_batch([key for key in keys if isinstance(key, tuple)])
            return [None if key is None else 0.0 if key is _UNREADABLE or rewards[key] is None
                    else float(rewards[key].components.get(component, 0.0)) for key in keys]

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
