"""``score(record, completion)``: the one entry point evaluation, training and the audit share.

The preset (``rewards.preset``, default ``correctness``) picks each task's reward module from its
``TaskSpec.rewards`` (``reward`` or ``study_reward`` of the task's package; see ``rewards.config``).
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from commerce_grpo import tasks as registry
from commerce_grpo.rewards.classify import classify
from commerce_grpo.rewards.config import RewardSettings, settings
from commerce_grpo.tasklib import errors
from commerce_grpo.tasklib.core import Reward, combine
from commerce_grpo.tasklib.parsing import completion_text

# Completions beyond this length are cut before any parsing: no task's good answer comes close,
# and it bounds the cost of a runaway generation (1 MB of '{' scores in milliseconds; L-parser).
MAX_COMPLETION_CHARS = 20_000
# A reference given as JSON text is only decoded when this short (a record's gold is < 10 kB).
MAX_REFERENCE_CHARS = 100_000


def task_of(record: Mapping[str, Any]) -> str | None:
    """The record's task, or the classifier's reading of its prompt when the task is missing."""
    task = record.get("task")
    if isinstance(task, str) and task in registry.REGISTRY:
        return task
    return classify(record.get("prompt"))


def _as_record(record: Any) -> Mapping[str, Any]:
    if isinstance(record, Mapping):
        reference = record.get("reference")
        if isinstance(reference, str):  # datasets columns may carry the reference as JSON text
            try:
                if len(reference) > MAX_REFERENCE_CHARS:
                    raise ValueError("reference too long")
                record = {**record, "reference": json.loads(reference)}
            except (ValueError, RecursionError):  # deeply nested JSON raises RecursionError
                record = {**record, "reference": {}}
        return record
    return {}


def _zero(task: str | None, cfg: RewardSettings) -> Reward:
    """A zero reward carrying the task's component names (so logs keep one shape)."""
    weights = cfg.weights.get(task) if task else None
    return Reward(0.0, dict.fromkeys(weights or (), 0.0))


def score(record: Mapping[str, Any], completion: Any, *, db: str | None = None,
          config: Mapping[str, Any] | RewardSettings | None = None) -> Reward:
    """Score one completion for its pair record. Deterministic; never raises on any completion.

    ``completion`` is a string or a conversational message list. ``db`` is commerce.db, used only
    to execute sql_qa queries (None: see ``sql_qa``). ``config`` is the ``rewards`` section of
    config.yaml (None: defaults); a malformed config raises ValueError naming the key. A reward
    that raises internally scores 0 and is counted in ``tasklib.errors``.
    """
    cfg = settings(config)
    record = _as_record(record)
    task = task_of(record)
    if task is None:
        return Reward(0.0, {})
    try:
        text = completion_text(completion)[:MAX_COMPLETION_CHARS]
        module = registry.REGISTRY[task].rewards[cfg.preset]
        parts = module.components(record, text, db=None if db is None else str(db), settings=cfg)
        return combine(parts, cfg.weights[task])
    except Exception as exc:  # the contract: a bug costs a counted zero, never a training run
        errors.record(task, exc)
        return _zero(task, cfg)

