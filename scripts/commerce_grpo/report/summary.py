"""The answer the report opens with: the primary family, one row per task and OVERALL.

Each row: the baseline and arm means, Δ with its interval (seeds then prompts when the arm pools
seeds, else prompts), the plan's adjusted p, how many seeds moved the same way as the pooled Δ, the
outcome word, whether a gain reads its input, and a note wherever the interval and the test
disagree. Every figure recomputes from ``results/eval/*.jsonl`` (docs/statistics.md).
"""
from __future__ import annotations

import numpy as np

from commerce_grpo import stats
from commerce_grpo.report.analysis import find
from commerce_grpo.report.scores import OVERALL, Arms, pooled_arm


def _sign(value: float) -> int:
    return int(np.sign(round(value, stats.DECIMALS)))


def disagreements(c: stats.Comparison, outcome: str) -> list[str]:
    """Where the interval and the test tell different stories, in words."""
    notes = []
    low, high = c.ci95 if c.ci95 else (None, None)
    if outcome in ("better", "worse") and low is not None and low <= 0 <= high:
        notes.append(f"the test is significant but the prompt interval of Δ [{low:+.3f}, {high:+.3f}] holds 0 "
                     "(the test ranks the differences, the interval averages them)")
    if outcome == "no significant difference" and low is not None and (low > 0 or high < 0):
        notes.append(f"the prompt interval of Δ [{low:+.3f}, {high:+.3f}] excludes 0 but the test is not "
                     "significant after the family's adjustment")
    if outcome in ("better", "worse") and c.ci95_two_level and c.ci95_two_level[0] <= 0 <= c.ci95_two_level[1]:
        low2, high2 = c.ci95_two_level
        notes.append(f"significant for these seeds' models, but the two-level interval [{low2:+.3f}, {high2:+.3f}] "
                     "holds 0: with seed-to-seed variation the recipe's effect is not established")
    return notes


def answer(comparisons: list[stats.Comparison], *, primary: tuple[str, str] | None, arms: Arms, alpha: float,
           blind: dict[str, dict | None]) -> dict:
    """{"arm", "baseline", "seeds", "rows": [...]} of the primary family (empty rows without one).

    ``blind`` is {task: ``blindness.data_blind`` figures of the arm over the baseline} (None where it
    does not apply).
    """
    if primary is None:
        return {"arm": None, "baseline": None, "seeds": [], "rows": []}
    arm, baseline = primary
    group = next(g for g in arms.groups if arm == pooled_arm(g))
    seed_arms = arms.groups[group]
    rows = []
    for part in [*arms.tasks(), OVERALL]:
        c = find(comparisons, arm, baseline, part)
        outcome = stats.outcome(c, alpha)
        base_mean = c.mean_baseline
        seed_deltas = {seed: float(np.mean(list(arms.scores[a][part].values()))) - base_mean
                       for seed, a in seed_arms.items()}
        agreeing = sum(_sign(d) == _sign(c.delta) for d in seed_deltas.values())
        gain = blind.get(part)
        notes = disagreements(c, outcome)
        data_blind = bool(gain["data_blind"]) if gain is not None and outcome == "better" else None
        if data_blind:
            notes.append(f"data-blind gain: only {gain['read_share']:.0%} of it reads the input")
        rows.append({
            "task": part, "mean_baseline": c.mean_baseline, "mean_arm": c.mean_arm, "delta": c.delta,
            "interval": c.ci95_two_level or c.ci95,
            "interval_kind": "seeds then prompts" if c.ci95_two_level else f"prompts ({c.ci95_method})",
            "p_adjusted": c.p_adjusted, "family_size": c.family_size, "seed_deltas": seed_deltas,
            "seeds_agreeing": agreeing, "seeds": len(seed_deltas), "direction": _sign(c.delta),
            "outcome": outcome, "data_blind": data_blind, "notes": notes,
        })
    return {"arm": arm, "baseline": baseline, "seeds": list(seed_arms), "rows": rows}
