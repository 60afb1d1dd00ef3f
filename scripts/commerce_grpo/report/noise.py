"""How noisy a per-prompt score is: the spread of one prompt's k samples at the eval decoding beside
the spread between prompts, per arm and task.

The within-prompt sd is sqrt(mean over prompts of the k samples' variance, ddof 1): what one more
sample would move a prompt's reward by. The between-prompt sd is the sd (ddof 1) of the per-prompt
scores (each the mean of k): what the paired test's unit varies by. A within-prompt sd near the
between-prompt sd says one sample per prompt was mostly decoding noise.
"""
from __future__ import annotations

import math

import numpy as np

from commerce_grpo.report.scores import OVERALL


def sampling_noise(records: dict[str, dict[str, dict]], tasks: list[str]) -> dict[str, dict[str, dict]]:
    """{arm: {task|overall: {"k", "prompts", "within_sd", "between_sd", "prompts_varying"}}}; an sd
    that needs two values (k or prompts below 2) is None; ``prompts_varying`` is the share of
    prompts whose k samples did not all get the same reward."""
    result = {}
    for arm, by_id in records.items():
        result[arm] = {}
        for part in [*tasks, OVERALL]:
            rewards = [r["rewards"] for r in by_id.values() if part in (OVERALL, r["task"])]
            result[arm][part] = _noise(rewards)
    return result


def _noise(rewards: list[list[float]]) -> dict:
    k = len(rewards[0]) if rewards else 0
    means = [float(np.mean(r)) for r in rewards]
    return {
        "k": k,
        "prompts": len(rewards),
        "within_sd": math.sqrt(float(np.mean([np.var(r, ddof=1) for r in rewards]))) if k > 1 else None,
        "between_sd": float(np.std(means, ddof=1)) if len(means) > 1 else None,
        "prompts_varying": float(np.mean([len(set(r)) > 1 for r in rewards])) if rewards else None,
    }
