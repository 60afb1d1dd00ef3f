"""Paired statistics of per-prompt rewards: Wilcoxon, effect size, bootstrap CI, Holm.

Pure functions on plain numbers, so every value in ``final_report.json`` can be recomputed from
``results/eval/*.jsonl``. The study tested one seed with an uncorrected one-sided Wilcoxon and no
interval (seed 003 §4, §7 "The Bad"); here each test carries an effect size, a bootstrap CI, a
Holm adjustment across tasks, and the seeds are summarised and pooled.

Zero differences: rule rewards tie often. ``p_value`` is exactly
``scipy.stats.wilcoxon(arm, baseline, alternative="greater")`` with scipy's defaults
(``zero_method="wilcox"`` drops tied pairs before ranking). When *every* pair ties there is no
evidence either way and scipy returns NaN (normal approximation, n > 13) or 1.0 (exact
permutation, n <= 13); we keep scipy's value (NaN is written as JSON null), count it as not
significant, and enter it into Holm as p = 1.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, replace
from typing import Mapping, Sequence

import numpy as np
from scipy import stats as sps

ZERO_DIFFERENCE_NOTE = (
    "p-values are `scipy.stats.wilcoxon(arm, baseline, alternative=\"greater\")` with scipy's "
    "defaults, paired by prompt id. Its default `zero_method=\"wilcox\"` drops pairs whose rewards "
    "tie before ranking (the `tied` column counts them). When every pair ties there is no evidence "
    "either way: scipy returns NaN (n > 13) or 1.0 (n <= 13); the report shows `n/a (all tied)`, "
    "counts it as not significant and enters it into the Holm adjustment as p = 1. The "
    "rank-biserial effect size uses the same untied pairs and is n/a when all pairs tie."
)


@dataclass(frozen=True)
class Comparison:
    """One paired test of ``arm`` against ``baseline`` on the prompts of ``task``."""

    arm: str
    baseline: str
    task: str
    n: int
    tied: int
    mean_arm: float
    mean_baseline: float
    delta: float
    delta_pct: float | None
    p_value: float | None
    p_holm: float | None
    effect_size: float | None
    ci95: tuple[float, float] | None

    def to_json(self) -> dict:
        """JSON-safe dict: NaN becomes null (JSON has no NaN)."""
        return json_safe(asdict(self))


def json_safe(value):
    """NaN and ±inf → None, recursively; tuples → lists; dict keys → str (JSON keys are strings)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def pair_by_id(arm: Mapping[str, float], baseline: Mapping[str, float]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Align two {prompt id: reward} maps; every arm must have scored the same prompts."""
    if set(arm) != set(baseline):
        only_arm = sorted(set(arm) - set(baseline))[:5]
        only_base = sorted(set(baseline) - set(arm))[:5]
        raise ValueError(
            f"paired test needs the same prompt ids in both arms; only in arm: {only_arm}, "
            f"only in baseline: {only_base}"
        )
    ids = sorted(arm)
    return ids, np.array([arm[i] for i in ids], float), np.array([baseline[i] for i in ids], float)


def wilcoxon_greater(arm: Sequence[float], baseline: Sequence[float]) -> float:
    """One-sided paired Wilcoxon signed-rank p (arm > baseline), scipy defaults.

    NaN where scipy has no p: no pairs, or a single tied pair (its permutation test needs two).
    """
    if len(arm) == 0:
        return math.nan
    with warnings.catch_warnings():
        # All pairs tied: scipy divides 0 by 0 on its way to the NaN documented above.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(sps.wilcoxon(arm, baseline, alternative="greater").pvalue)
        except ValueError:
            if len(arm) == 1 and arm[0] == baseline[0]:
                return math.nan
            raise


def rank_biserial(arm: Sequence[float], baseline: Sequence[float]) -> float:
    """Matched-pairs rank-biserial correlation (Kerby 2014): (R+ - R-) / (R+ + R-).

    Ranks |d| of the untied pairs (as scipy's default ``zero_method="wilcox"``); 1 means the arm
    wins every untied pair, -1 loses every one; NaN when all pairs tie.
    """
    d = np.asarray(arm, float) - np.asarray(baseline, float)
    d = d[d != 0]
    if d.size == 0:
        return math.nan
    ranks = sps.rankdata(np.abs(d))
    r_plus, r_minus = ranks[d > 0].sum(), ranks[d < 0].sum()
    return float((r_plus - r_minus) / (r_plus + r_minus))


def bootstrap_ci(
    arm: Sequence[float], baseline: Sequence[float], *, samples: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean paired difference, resampling prompts with a fixed seed."""
    d = np.asarray(arm, float) - np.asarray(baseline, float)
    if d.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(samples, d.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return (float(low), float(high))


def holm(p_values: Sequence[float | None]) -> list[float]:
    """Holm step-down adjusted p-values, in input order. NaN/None (all pairs tied) enter as 1."""
    p = np.array([1.0 if v is None or not math.isfinite(v) else v for v in p_values], float)
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted.tolist()


def compare(
    arm_scores: Mapping[str, float],
    baseline_scores: Mapping[str, float],
    *,
    arm: str,
    baseline: str,
    task: str,
    bootstrap_samples: int,
    seed: int,
) -> Comparison:
    """Paired comparison by prompt id; ``p_holm`` starts equal to ``p_value`` (see :func:`adjust`)."""
    _, a, b = pair_by_id(arm_scores, baseline_scores)
    mean_arm = float(a.mean()) if a.size else math.nan
    mean_base = float(b.mean()) if b.size else math.nan
    delta = mean_arm - mean_base
    p = wilcoxon_greater(a, b)
    return Comparison(
        arm=arm,
        baseline=baseline,
        task=task,
        n=int(a.size),
        tied=int(np.count_nonzero(a == b)),
        mean_arm=mean_arm,
        mean_baseline=mean_base,
        delta=delta,
        delta_pct=delta / mean_base * 100 if mean_base else None,
        p_value=p,
        p_holm=p,
        effect_size=rank_biserial(a, b),
        ci95=bootstrap_ci(a, b, samples=bootstrap_samples, seed=seed),
    )


def adjust(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """Holm-adjust one family (the per-task tests of one arm vs one baseline)."""
    adjusted = holm([c.p_value for c in comparisons])
    return [replace(c, p_holm=p) for c, p in zip(comparisons, adjusted)]


def significant(comparison: Comparison, alpha: float) -> bool:
    """Significant = the arm beats the baseline after Holm; an all-tied test never is."""
    return comparison.p_holm is not None and math.isfinite(comparison.p_holm) and comparison.p_holm < alpha


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample sd (ddof=1) of per-seed means; sd is NaN with one seed."""
    x = np.asarray(values, float)
    if x.size == 0:
        return (math.nan, math.nan)
    return (float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else math.nan)


def pool_seeds(per_seed: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Each prompt's mean reward over seeds: the unit of the pooled test (prompts stay independent)."""
    if not per_seed:
        raise ValueError("pool_seeds needs at least one seed")
    ids = set(per_seed[0])
    for scores in per_seed[1:]:
        if set(scores) != ids:
            raise ValueError("every seed must have scored the same prompt ids")
    return {i: float(np.mean([scores[i] for scores in per_seed])) for i in sorted(ids)}
