"""The ``rewards`` section of config.yaml, merged over defaults and turned into weights.

Each task section maps a component to its weight; a key ending in ``_penalty`` is a penalty whose
component (the key without the suffix) enters the total with the negative of that weight. The
positive weights of a task sum to 1, so a perfect answer scores exactly 1.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any, Mapping

from commerce_grpo.prompts import TASKS

DEFAULTS: dict[str, dict[str, float]] = {
    # Seed 003 §10 plus a reference-match component (field agreement with gold).
    "extraction": {
        "json_valid": 0.25,
        "schema_complete": 0.25,
        "value_valid": 0.30,
        "reference_match": 0.20,
        "sentiment_mismatch_penalty": 0.20,
    },
    # Execution against commerce.db carries most of the weight; the study's four tiers
    # (0.30/0.25/0.25/0.20, scaled to 0.35) remain as partial credit.
    "sql_qa": {
        "result_match": 0.45,
        "executes": 0.20,
        "sql_structure": 0.105,
        "query_explanation": 0.0875,
        "numbers": 0.0875,
        "domain": 0.07,
    },
    # Seed 003 §10 (action 0.40, length 0.30, structure 0.20, domain 0.10) with 0.20 moved to
    # using the facts of the data summary.
    "insights": {
        "action_words": 0.30,
        "length": 0.20,
        "structure": 0.20,
        "domain": 0.10,
        "facts": 0.20,
    },
    # Seed 003 §10 with the V4.2.1 hotfix (steep length decay, formal e-mail penalty); "intent"
    # checks that the message does what the push was for.
    "push": {
        "length": 0.40,
        "portuguese": 0.20,
        "intent": 0.20,
        "creativity": 0.20,
        "formal_penalty": 0.20,
    },
    "sql": {"timeout_s": 2.0, "max_rows": 1000, "rel_tol": 1.0e-3, "abs_tol": 5.0e-3},
}

PENALTY_SUFFIX = "_penalty"


def _merge(config: Mapping[str, Any] | None) -> dict[str, dict[str, float]]:
    merged = copy.deepcopy(DEFAULTS)
    for section, values in (config or {}).items():
        if section not in DEFAULTS:
            raise ValueError(f"rewards config: unknown section {section!r} (known: {sorted(DEFAULTS)})")
        if not isinstance(values, Mapping):
            raise ValueError(f"rewards config: section {section!r} must be a mapping, got {values!r}")
        for key, value in values.items():
            if key not in DEFAULTS[section]:
                raise ValueError(
                    f"rewards config: unknown key rewards.{section}.{key} "
                    f"(known: {sorted(DEFAULTS[section])})"
                )
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"rewards config: rewards.{section}.{key} must be a number >= 0, got {value!r}")
            merged[section][key] = value
    return merged


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
    """Resolved rewards config: per-task weights (penalties negative) and the SQL sandbox limits."""

    def __init__(self, config: Mapping[str, Any] | None = None):
        merged = _merge(config)
        self.weights: dict[str, dict[str, float]] = {t: _task_weights(t, merged[t]) for t in TASKS}
        sql = merged["sql"]
        if not sql["timeout_s"] > 0 or int(sql["max_rows"]) < 1:
            raise ValueError(f"rewards config: rewards.sql needs timeout_s > 0 and max_rows >= 1, got {sql}")
        self.timeout_s = float(sql["timeout_s"])
        self.max_rows = int(sql["max_rows"])
        self.rel_tol = float(sql["rel_tol"])
        self.abs_tol = float(sql["abs_tol"])


@lru_cache(maxsize=64)
def _settings_from_json(text: str) -> RewardSettings:
    return RewardSettings(json.loads(text))


def settings(config: Mapping[str, Any] | RewardSettings | None = None) -> RewardSettings:
    """Resolve (and cache) a ``rewards`` config mapping; raises ValueError naming a bad key."""
    if isinstance(config, RewardSettings):
        return config
    return _settings_from_json(json.dumps(config or {}, sort_keys=True))
