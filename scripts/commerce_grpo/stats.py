"""Paired statistics of per-prompt rewards: exact Wilcoxon, effect size, bootstrap CI, Holm.

Pure functions on plain numbers, so every value in ``final_report.json`` can be recomputed from
``results/eval/*.jsonl``. The study tested one seed with an uncorrected one-sided Wilcoxon and no
interval (L-stats); here each test carries an effect size, a bootstrap CI, a Holm adjustment
across tasks, both directions, and the seeds are summarised and pooled.

Why an exact test: rule rewards tie often. scipy's default ``wilcoxon`` drops tied pairs and, with
more than 13 pairs and any tie, falls back to a normal approximation without continuity
correction, which can report a p-value the data cannot reach: 15 pairs with 11 ties and 4 untied
positive differences give scipy p = 0.034, while no sign pattern of 4 pairs is rarer than
1/16 = 0.0625. The decision ``p_value`` is therefore the exact signed-rank test on the untied pairs,
conditional on their ranks (mid-ranks for tied magnitudes): the null distribution of R+ over all
2^m sign flips of the m untied differences, computed exactly by dynamic programming. It equals
``scipy.stats.wilcoxon(d, method="exact")`` when the magnitudes do not tie, and
``scipy.stats.permutation_test`` over all sign flips when they do; every p it reports is a tail
probability of that distribution, so it is always attainable. scipy's default p stays beside it,
labelled, so the study's numbers can be compared.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, replace
from typing import Mapping, Sequence

import numpy as np
from scipy import stats as sps

# Differences are rounded to this many decimals before the exact test, so 0.3 - 0.2 and
# 0.7 - 0.6 count as the same magnitude (and 0.1 + 0.2 - 0.3 as a tie) whatever the float noise.
DECIMALS = 12

TEST_NOTE = (
    "`p_value` is the exact one-sided paired Wilcoxon signed-rank test (arm > baseline) on the "
    "untied pairs, conditional on their ranks: pairs whose rewards tie are dropped (the `tied` "
    "column counts them), the rest are ranked by |difference| (mid-ranks for equal magnitudes), "
    "and the p-value is the share of the 2^m equally likely sign flips whose R+ is at least the "
    "observed one. So every p is attainable: 4 untied pairs can never give less than 1/16. When "
    "every pair ties there is no evidence either way and p = 1. `p_value_less` is the same exact "
    "test in the opposite direction (arm < baseline): a significant one is reported as **worse**. "
    "`p_value_scipy_default` is `scipy.stats.wilcoxon(arm, baseline, alternative=\"greater\")` with "
    "scipy's defaults, as the study computed it, for comparison only: with more than 13 pairs and "
    "any tie it is a normal approximation that can fall below what the data can attain (n/a when "
    "every pair ties). The rank-biserial effect size uses the same untied pairs."
)


@dataclass(frozen=True)
class Comparison:
    """One paired test of ``arm`` against ``baseline`` on the prompts of ``task``.

    ``stage`` names the training step the difference credits (see the report's ``stages``).
    ``p_value``/``p_holm``: exact test arm > baseline; ``p_value_less``/``p_holm_less``: the
    opposite direction; ``p_value_scipy_default``: the study-comparable scipy default, not used
    for any decision.
    """

    arm: str
    baseline: str
    task: str
    stage: str
    n: int
    tied: int
    mean_arm: float
    mean_baseline: float
    delta: float
    delta_pct: float | None
    p_value: float
    p_holm: float
    p_value_less: float
    p_holm_less: float
    p_value_scipy_default: float | None
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


def differences(arm: Sequence[float], baseline: Sequence[float]) -> np.ndarray:
    """Paired differences rounded to ``DECIMALS``: the input of the exact test and the tie count."""
    return np.round(np.asarray(arm, float) - np.asarray(baseline, float), DECIMALS)


def signed_rank_null(d: Sequence[float]) -> tuple[int, np.ndarray]:
    """Observed 2·R+ and the exact null distribution of 2·R+ for the untied differences of ``d``.

    Under H0 each untied difference is + or − with probability 1/2, independently, keeping its
    rank. Mid-ranks are multiples of 1/2, so 2·rank is an integer and the distribution of 2·R+ is a
    subset-sum count over 2·ranks; ``probabilities[k]`` = P(2·R+ = k). Halving at each step keeps
    values in [0, 1]; up to 53 untied pairs every value is a multiple of 2^-m, exact in float64.
    """
    d = np.asarray(d, float)
    d = d[d != 0]
    twice_ranks = np.rint(2 * sps.rankdata(np.abs(d))).astype(int)
    total = int(twice_ranks.sum())
    probabilities = np.zeros(total + 1)
    probabilities[0] = 1.0
    for rank in twice_ranks:
        shifted = np.zeros_like(probabilities)
        shifted[rank:] = probabilities[: total + 1 - rank]
        probabilities = 0.5 * (probabilities + shifted)
    observed = int(twice_ranks[d > 0].sum())
    return observed, probabilities


def exact_signed_rank(arm: Sequence[float], baseline: Sequence[float]) -> tuple[float, float]:
    """Exact one-sided p-values (greater, less) of the signed-rank test on the untied pairs.

    NaN, NaN with no pairs; 1.0, 1.0 when every pair ties (R+ = 0 is the only outcome).
    """
    if len(arm) == 0:
        return math.nan, math.nan
    observed, probabilities = signed_rank_null(differences(arm, baseline))
    greater = float(min(1.0, probabilities[observed:].sum()))
    less = float(min(1.0, probabilities[: observed + 1].sum()))
    return greater, less


def wilcoxon_scipy_default(arm: Sequence[float], baseline: Sequence[float]) -> float:
    """``scipy.stats.wilcoxon(arm, baseline, alternative="greater")`` with scipy's defaults.

    Kept for comparison with the study (L-stats), never for a decision. NaN where scipy has no p:
    no pairs, a single tied pair, or every pair tied beyond 13 pairs (normal approximation of 0/0).
    """
    if len(arm) == 0:
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(sps.wilcoxon(arm, baseline, alternative="greater").pvalue)
        except ValueError:
            if len(arm) == 1 and arm[0] == baseline[0]:
                return math.nan
            raise


def rank_biserial(arm: Sequence[float], baseline: Sequence[float]) -> float:
    """Matched-pairs rank-biserial correlation (Kerby 2014): (R+ - R-) / (R+ + R-).

    Ranks |d| of the untied pairs (as the exact test); 1 means the arm wins every untied pair, -1
    loses every one; NaN when all pairs tie.
    """
    d = differences(arm, baseline)
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
    """Holm step-down adjusted p-values, in input order. NaN/None (no pairs) enter as 1."""
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
    stage: str,
    bootstrap_samples: int,
    seed: int,
) -> Comparison:
    """Paired comparison by prompt id; the Holm columns start equal to the raw p (see :func:`adjust`)."""
    _, a, b = pair_by_id(arm_scores, baseline_scores)
    mean_arm = float(a.mean()) if a.size else math.nan
    mean_base = float(b.mean()) if b.size else math.nan
    delta = mean_arm - mean_base
    greater, less = exact_signed_rank(a, b)
    return Comparison(
        arm=arm,
        baseline=baseline,
        task=task,
        stage=stage,
        n=int(a.size),
        tied=int(np.count_nonzero(differences(a, b) == 0)),
        mean_arm=mean_arm,
        mean_baseline=mean_base,
        delta=delta,
        delta_pct=delta / mean_base * 100 if mean_base else None,
        p_value=greater,
        p_holm=greater,
        p_value_less=less,
        p_holm_less=less,
        p_value_scipy_default=wilcoxon_scipy_default(a, b),
        effect_size=rank_biserial(a, b),
        ci95=bootstrap_ci(a, b, samples=bootstrap_samples, seed=seed),
    )


def adjust(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """Holm-adjust one family (the per-task tests of one arm vs one baseline), each direction apart."""
    greater = holm([c.p_value for c in comparisons])
    less = holm([c.p_value_less for c in comparisons])
    return [replace(c, p_holm=g, p_holm_less=k) for c, g, k in zip(comparisons, greater, less)]


def _below(p: float | None, alpha: float) -> bool:
    return p is not None and math.isfinite(p) and p < alpha


def significant(comparison: Comparison, alpha: float) -> bool:
    """The arm beats the baseline: exact one-sided test after Holm, and a positive mean difference."""
    return _below(comparison.p_holm, alpha) and comparison.delta > 0


def worse(comparison: Comparison, alpha: float) -> bool:
    """The arm is below the baseline: the opposite one-sided test after Holm, negative mean difference."""
    return _below(comparison.p_holm_less, alpha) and comparison.delta < 0


def outcome(comparison: Comparison, alpha: float) -> str:
    """"better", "worse" or "no significant difference": the word the report prints."""
    if significant(comparison, alpha):
        return "better"
    if worse(comparison, alpha):
        return "worse"
    return "no significant difference"


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
