"""Reward presets and the ``rewards`` section of config.yaml, resolved into per-task weights.

The weights have one home per task: its ``TaskSpec.weights`` (``commerce_grpo.tasks.<task>``), one
table per preset of ``PRESETS`` below. config.yaml names a preset (``rewards.preset``) and
may override single weights of it (``rewards.<task>.<component>``); the schema checks keys and
types only. Presets:

- ``correctness`` (default): whether the answer is right for this input, in this task's format
  (L-reward-spec). Per-field agreement with gold carries extraction; the query's result carries
  sql_qa; push and insights pay for the prompt's concrete content, in fluent PT-BR. Components
  are already multiplied by the task's format gate and quality factors, so an answer in another
  task's format, in Spanish, a keyword salad or a restatement of the prompt scores 0 or near it.
- ``study``: the study's published reward (keyword tiers and format credit with the V4.2.1
  hotfixes), kept so the recipe can be reproduced as published.

A key ending in ``_penalty`` is a penalty whose component (the key without the suffix) enters
the total with the negative of that weight. The positive weights of a task sum to 1, so a perfect
answer scores exactly 1.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Mapping

from commerce_grpo import tasks as registry

# Each task declares its default weights per preset (``TaskSpec.weights``, in its package under
# ``commerce_grpo.tasks``); every registered task has a table for each of these presets.
PRESETS = ("correctness", "study")
DEFAULT_PRESET = "correctness"
# SQL sandbox limits for a completion's query, the numeric tolerance of the result comparison
# (|a-b| <= max(rel_tol*|b|, abs_tol)), and how a training batch's queries run (workers at once,
# one wall-clock budget for the batch).
SQL_DEFAULTS: dict[str, float] = {"timeout_s": 2.0, "max_rows": 1000, "rel_tol": 1.0e-3, "abs_tol": 5.0e-3,
                                  "workers": 8, "batch_timeout_s": 6.0}
PENALTY_SUFFIX = "_penalty"


def preset_weights(preset: str = DEFAULT_PRESET) -> dict[str, dict[str, float]]:
    """A copy of a preset's per-task weight table (config form: penalties as ``*_penalty`` keys)."""
    if preset not in PRESETS:
        raise ValueError(f"rewards config: unknown rewards.preset {preset!r} (known: {sorted(PRESETS)})")
    return {name: dict(spec.weights[preset]) for name, spec in registry.REGISTRY.items()}


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"rewards config: {key} must be a number >= 0, got {value!r}")
    return value


def _merge(config: Mapping[str, Any] | None) -> tuple[str, dict[str, dict[str, float]], dict[str, float]]:
    config = dict(config or {})
    preset = config.pop("preset", DEFAULT_PRESET)
    config.pop("judge", None)  # the optional LLM judge: its own reward function (rewards/judge.py)
    if not isinstance(preset, str):
        raise ValueError(f"rewards config: rewards.preset must be a preset name, got {preset!r}")
    tables = preset_weights(preset)
    sql = dict(SQL_DEFAULTS)
    for section, values in config.items():
        if section not in tables and section != "sql":
            raise ValueError(f"rewards config: unknown section {section!r} "
                             f"(known: preset, sql, judge, {', '.join(registry.REGISTRY)})")
        if not isinstance(values, Mapping):
            raise ValueError(f"rewards config: section {section!r} must be a mapping, got {values!r}")
        target = sql if section == "sql" else tables[section]
        for key, value in values.items():
            if key not in target:
                where = "" if section == "sql" else f" of preset {preset!r}"
                raise ValueError(f"rewards config: unknown key rewards.{section}.{key}{where} "
                                 f"(known: {sorted(target)})")
            target[key] = _number(f"rewards.{section}.{key}", value)
    return preset, tables, sql


def _task_weights(section: str, values: Mapping[str, float]) -> dict[str, float]:
    weights = {}
    for key, value in values.items():
        if key.endswith(PENALTY_SUFFIX):
            weights[key[: -len(PENALTY_SUFFIX)]] = -float(value)
        else:
            weights[key] = float(value)
    positive = sum(w for w in weights.values() if w > 0)
    if abs(positive - 1.0) > 1e-6:
        raise ValueError(
            f"rewards config: the component weights of rewards.{section} must sum to 1 "
            f"(penalties excluded), got {positive:.6g}"
        )
    return weights


class RewardSettings:
    """Resolved rewards config: the preset, per-task weights (penalties negative), SQL limits."""

    def __init__(self, config: Mapping[str, Any] | None = None):
        self.preset, tables, sql = _merge(config)
        self.weights: dict[str, dict[str, float]] = {t: _task_weights(t, w) for t, w in tables.items()}
        if (not sql["timeout_s"] > 0 or int(sql["max_rows"]) < 1 or not sql["batch_timeout_s"] > 0
                or sql["workers"] != int(sql["workers"]) or sql["workers"] < 1):
            raise ValueError(f"rewards config: rewards.sql needs timeout_s > 0, max_rows >= 1, an integer "
                             f"workers >= 1 and batch_timeout_s > 0, got {sql}")
        self.timeout_s = float(sql["timeout_s"])
        self.max_rows = int(sql["max_rows"])
        self.rel_tol = float(sql["rel_tol"])
        self.abs_tol = float(sql["abs_tol"])
        self.workers = int(sql["workers"])
        self.batch_timeout_s = float(sql["batch_timeout_s"])


@lru_cache(maxsize=64)
def _settings_from_json(text: str) -> RewardSettings:
    return RewardSettings(json.loads(text))


def settings(config: Mapping[str, Any] | RewardSettings | None = None) -> RewardSettings:
    """Resolve (and cache) a ``rewards`` config mapping; raises ValueError naming a bad key."""
    if isinstance(config, RewardSettings):
        return config
    return _settings_from_json(json.dumps(config or {}, sort_keys=True))
