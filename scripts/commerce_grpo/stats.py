"""Paired statistics of per-prompt rewards: exact Wilcoxon, multiplicity, intervals, effect sizes.

Pure functions on plain numbers, so every value in ``final_report.json`` can be recomputed from
``results/eval/*.jsonl`` (docs/statistics.md gives each recipe). The study tested one seed with an
uncorrected one-sided Wilcoxon and no interval (L-stats); here each test carries an effect size,
intervals, a multiplicity adjustment within its family and both directions, and the seeds are
pooled and resampled.

Why an exact test: rule rewards tie often. scipy's default ``wilcoxon`` drops tied pairs and, with
more than 13 pairs and any tie, falls back to a normal approximation without continuity
correction, which can report a p-value the data cannot reach: 15 pairs with 11 ties and 4 untied
positive differences give scipy p = 0.034, while no sign pattern of 4 pairs is rarer than
1/16 = 0.0625. The exact p here is the signed-rank test on the untied pairs, conditional on their
ranks (mid-ranks for tied magnitudes): the null distribution of R+ over all 2^m sign flips of the
m untied differences, computed exactly by dynamic programming. It equals
``scipy.stats.wilcoxon(d, method="exact")`` when the magnitudes do not tie, and
``scipy.stats.permutation_test`` over all sign flips when they do; every p it reports is a tail
probability of that distribution (or twice one, two-sided), so it is always attainable. scipy's
default p stays beside it, labelled, so the study's numbers can be compared.
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
# Δ% is printed only against a baseline mean at least this large: against 0.002, +15,515 % says
# nothing a reader can use.
MIN_BASELINE_FOR_PCT = 0.05
# Rewards lie in [0, 1], so a paired difference lies in [-1, 1] (the zero-spread bound uses it).
DIFFERENCE_RANGE = (-1.0, 1.0)
ALTERNATIVES = ("two-sided", "greater")

TEST_NOTE = (
    "The exact paired Wilcoxon signed-rank test on the untied pairs, conditional on their ranks: "
    "pairs whose rewards tie are dropped (the `tied` column counts them), the rest are ranked by "
    "|difference| (mid-ranks for equal magnitudes), and `p_value` is the share of the 2^m equally likely "
    "sign flips whose R+ is at least the observed one (arm > baseline); `p_value_less` is the opposite "
    "tail and `p_two_sided` twice the smaller tail (at most 1). So every p is attainable: 4 untied pairs "
    "can never give less than 1/16 one-sided. When every pair ties there is no evidence either way and "
    "p = 1. `p_value_scipy_default` is `scipy.stats.wilcoxon(arm, baseline, alternative=\"greater\")` with "
    "scipy's defaults, as the study computed it, for comparison only: with more than 13 pairs and any tie "
    "it is a normal approximation that can fall below what the data can attain (n/a when every pair "
    "ties). The rank-biserial effect size uses the same untied pairs."
)


@dataclass(frozen=True)
class Comparison:
    """One paired test of ``arm`` against ``baseline`` on the prompts of ``task``.

    ``stage`` names the training step the difference credits (see the report's ``stages``);
    ``role`` (primary | secondary) and ``family`` come from the report's test plan. Exact p's:
    ``p_value`` (arm > baseline), ``p_value_less`` (arm < baseline), ``p_two_sided``; ``p_plan`` is
    the one the plan's ``alternative`` tests and ``p_adjusted`` that p after the family's
    multiplicity rule (``family_size`` tests count in it); ``p_holm``/``p_holm_less`` are the two
    one-sided p's under the same rule. ``p_value_scipy_default`` is the study-comparable scipy
    default, not used for any decision. ``testable`` is False when every per-prompt score of both
    arms is one and the same value (nothing to tell apart). ``ci95`` is the prompt-level interval
    of Δ (``ci95_method``), ``ci95_two_level`` the seeds-then-prompts interval of a pooled arm;
    ``prob_improvement`` is P(arm beats baseline on a random prompt), ties counting half.
    """

    arm: str
    baseline: str
    task: str
    stage: str
    role: str
    family: str
    alternative: str
    seeds: int
    n: int
    tied: int
    testable: bool
    mean_arm: float
    mean_baseline: float
    delta: float
    delta_pct: float | None
    iqm_arm: float
    iqm_baseline: float
    p_value: float
    p_value_less: float
    p_two_sided: float
    p_plan: float
    p_adjusted: float
    family_size: int
    p_holm: float
    p_holm_less: float
    p_value_scipy_default: float | None
    effect_size: float | None
    ci95: tuple[float, float] | None
    ci95_method: str
    ci95_two_level: tuple[float, float] | None
    prob_improvement: float
    prob_improvement_ci95: tuple[float, float] | None

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


def two_sided(greater: float, less: float) -> float:
    """Twice the smaller exact tail, at most 1. The sign-flip null is symmetric, so this is
    P(|R+ − E R+| ≥ observed distance): a value the null can take, and a test of each direction at
    α/2."""
    return float(min(1.0, 2 * min(greater, less)))


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


def zero_spread_bound(value: float, n: int, level: float) -> tuple[float, float]:
    """The interval of a mean difference when all ``n`` observed differences equal ``value``.

    Resampling sees no spread there and would print [value, value]. What the data do say: with
    confidence ``level``, at most a share q = 1 − ((1 − level)/2)^(1/n) of prompts differ from
    ``value`` (the Clopper–Pearson bound for none seen in n), and each such prompt moves the mean at
    most to the end of the difference range [-1, 1]. So [value − q·(value + 1), value + q·(1 − value)]:
    ±0.22 around 0 for 15 all-tied pairs.
    """
    q = 1 - ((1 - level) / 2) ** (1 / n)
    low, high = DIFFERENCE_RANGE
    return (value - q * (value - low), value + q * (high - value))


def bca_interval(d: Sequence[float], *, samples: int, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Bias-corrected and accelerated bootstrap interval of the mean of ``d`` (Efron 1987).

    Prompts are resampled with a seeded generator. The bias correction counts bootstrap means equal
    to the observed one as half below (rewards are coarse, so such ties are common); the
    acceleration comes from the jackknife (0 below two prompts or without spread). All-equal
    differences get :func:`zero_spread_bound` instead of a zero-width interval.
    """
    d = np.round(np.asarray(d, float), DECIMALS)
    if d.size == 0:
        return (math.nan, math.nan)
    theta = float(d.mean())
    if np.all(d == d[0]):
        return zero_spread_bound(float(d[0]), d.size, level)
    rng = np.random.default_rng(seed)
    boot = d[rng.integers(0, d.size, size=(samples, d.size))].mean(axis=1)
    below = (np.count_nonzero(boot < theta) + 0.5 * np.count_nonzero(boot == theta)) / samples
    z0 = sps.norm.ppf(np.clip(below, 0.5 / samples, 1 - 0.5 / samples))
    jack = (d.sum() - d) / (d.size - 1) if d.size > 1 else d
    u = jack.mean() - jack
    spread = float((u ** 2).sum())
    accel = float((u ** 3).sum() / (6 * spread ** 1.5)) if spread > 0 else 0.0
    z = sps.norm.ppf([(1 - level) / 2, (1 + level) / 2])
    quantiles = sps.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))
    low, high = np.quantile(boot, quantiles)
    return (float(low), float(high))


def two_level_bootstrap(arm_by_seed: np.ndarray, baseline: np.ndarray, *, samples: int,
                        seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Resample seeds, then prompts: the bootstrap distributions of Δ and of P(improvement).

    ``arm_by_seed`` is seeds × prompts (each seed's per-prompt score), ``baseline`` the init arm's
    per-prompt scores (one draw, so it is resampled over prompts only). Each replicate draws S seeds
    with replacement, then n prompts with replacement, and takes the mean difference and the share of
    (seed, prompt) cells where the arm beats the baseline (ties half). One generator, seeded: seed
    indices first (samples × S), then prompt indices (samples × n).
    """
    arm_by_seed = np.round(np.asarray(arm_by_seed, float), DECIMALS)
    baseline = np.round(np.asarray(baseline, float), DECIMALS)
    n_seeds, n = arm_by_seed.shape
    rng = np.random.default_rng(seed)
    seed_index = rng.integers(0, n_seeds, size=(samples, n_seeds))
    prompt_index = rng.integers(0, n, size=(samples, n))
    arm = arm_by_seed[seed_index[:, :, None], prompt_index[:, None, :]]
    base = baseline[prompt_index][:, None, :]
    deltas = arm.mean(axis=(1, 2)) - base.mean(axis=(1, 2))
    wins = ((arm > base) + 0.5 * (arm == base)).mean(axis=(1, 2))
    return deltas, wins


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return (float(low), float(high))


def probability_of_improvement(arm_by_seed: np.ndarray, baseline: np.ndarray) -> float:
    """P(arm output beats baseline output on a random prompt), ties counting half (Agarwal et al.,
    2021), over every (seed, prompt) cell."""
    arm = np.round(np.asarray(arm_by_seed, float), DECIMALS)
    base = np.round(np.asarray(baseline, float), DECIMALS)[None, :]
    return float(((arm > base) + 0.5 * (arm == base)).mean())


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share (Wilson 1927); NaN without trials."""
    if n == 0:
        return (math.nan, math.nan)
    z = float(sps.norm.ppf((1 + level) / 2))
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of a mean; NaN below two values."""
    x = np.asarray(values, float)
    if x.size < 2:
        return (math.nan, math.nan)
    half = float(sps.t.ppf((1 + level) / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return (float(x.mean()) - half, float(x.mean()) + half)


def iqm(values: Sequence[float]) -> float:
    """Interquartile mean (Agarwal et al., 2021): the mean of the middle 50 %, robust to a few
    prompts at the floor or the ceiling (``scipy.stats.trim_mean(values, 0.25)``)."""
    x = np.asarray(values, float).ravel()
    return float(sps.trim_mean(x, 0.25)) if x.size else math.nan


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
    alternative: str,
    bootstrap_samples: int,
    seed: int,
    per_seed: Sequence[Mapping[str, float]] | None = None,
    level: float = 0.95,
) -> Comparison:
    """Paired comparison by prompt id, tested by ``alternative`` (two-sided | greater).

    ``per_seed`` holds each seed's {id: score} when ``arm_scores`` pools them (their per-prompt
    mean): the two-level interval and P(improvement) then use every seed. The adjusted columns start
    equal to the raw p and ``role`` as secondary; :func:`adjust` and the report's plan set them.
    """
    if alternative not in ALTERNATIVES:
        raise ValueError(f"report.plan.direction: {alternative!r} is not one of {list(ALTERNATIVES)}")
    ids, a, b = pair_by_id(arm_scores, baseline_scores)
    seeds_matrix = (np.array([[scores[i] for i in ids] for scores in per_seed], float) if per_seed
                    else a[None, :])
    if per_seed and not np.allclose(seeds_matrix.mean(axis=0), a):
        raise ValueError(f"{arm}: the pooled scores are not the mean of its per-seed scores")
    mean_arm = float(a.mean()) if a.size else math.nan
    mean_base = float(b.mean()) if b.size else math.nan
    delta = mean_arm - mean_base
    greater, less = exact_signed_rank(a, b)
    d = differences(a, b)
    two_level = None
    pi_interval = None
    if a.size:
        deltas, wins = two_level_bootstrap(seeds_matrix, b, samples=bootstrap_samples, seed=seed)
        pi_interval = percentile_interval(wins, level)
        if seeds_matrix.shape[0] > 1:
            cells = np.round(seeds_matrix - b[None, :], DECIMALS)
            two_level = (zero_spread_bound(float(cells.flat[0]), a.size, level) if np.all(cells == cells.flat[0])
                         else percentile_interval(deltas, level))
    values = np.round(np.concatenate([a, b]), DECIMALS)
    p_two = two_sided(greater, less) if a.size else math.nan
    p_plan = p_two if alternative == "two-sided" else greater
    return Comparison(
        arm=arm,
        baseline=baseline,
        task=task,
        stage=stage,
        role="secondary",
        family=f"{arm} vs {baseline}",
        alternative=alternative,
        seeds=int(seeds_matrix.shape[0]),
        n=int(a.size),
        tied=int(np.count_nonzero(d == 0)),
        testable=bool(values.size and not np.all(values == values[0])),
        mean_arm=mean_arm,
        mean_baseline=mean_base,
        delta=delta,
        delta_pct=delta / mean_base * 100 if mean_base >= MIN_BASELINE_FOR_PCT else None,
        iqm_arm=iqm(seeds_matrix),
        iqm_baseline=iqm(b),
        p_value=greater,
        p_value_less=less,
        p_two_sided=p_two,
        p_plan=p_plan,
        p_adjusted=p_plan,
        family_size=1,
        p_holm=greater,
        p_holm_less=less,
        p_value_scipy_default=wilcoxon_scipy_default(a, b),
        effect_size=rank_biserial(a, b),
        ci95=bca_interval(d, samples=bootstrap_samples, seed=seed, level=level),
        ci95_method="zero-spread bound" if d.size and np.all(d == d[0]) else "BCa",
        ci95_two_level=two_level,
        prob_improvement=probability_of_improvement(seeds_matrix, b) if a.size else math.nan,
        prob_improvement_ci95=pi_interval,
    )


def _counts(comparison: Comparison) -> bool:
    """A test with no untied pair cannot reject (its exact p is 1 whatever the signs): following
    Tarone (1990) it does not count in its family's m."""
    return comparison.n > comparison.tied


def adjust(comparisons: Sequence[Comparison], *, gate: str | None = None) -> list[Comparison]:
    """Adjust one family for multiplicity: Holm over its tests, each p kind apart.

    ``gate`` names the family's gatekeeper task (a fixed-sequence test: it is tested first at α and
    keeps its raw p; every other test is Holm-adjusted among the others and can only reject after
    the gate did, so its adjusted p is at least the gate's). Tests without an untied pair keep p = 1
    and leave m (``family_size``) as they cannot reject.
    """
    gated = [c for c in comparisons if c.task == gate]
    if gate is not None and len(gated) != 1:
        raise ValueError(f"gatekeeper {gate!r} is not exactly one test of the family")
    members = [c for c in comparisons if c.task != gate and _counts(c)]
    floor = {kind: getattr(gated[0], kind) if gated else 0.0 for kind in ("p_plan", "p_value", "p_value_less")}
    adjusted = {}
    for kind in ("p_plan", "p_value", "p_value_less"):
        for c, p in zip(members, holm([getattr(c, kind) for c in members])):
            adjusted.setdefault(id(c), {})[kind] = max(p, floor[kind])
    result = []
    for c in comparisons:
        if c.task == gate:
            values = {"p_plan": c.p_plan, "p_value": c.p_value, "p_value_less": c.p_value_less}
        else:
            values = adjusted.get(id(c), dict.fromkeys(("p_plan", "p_value", "p_value_less"), 1.0))
        result.append(replace(c, p_adjusted=values["p_plan"], p_holm=values["p_value"],
                              p_holm_less=values["p_value_less"],
                              family_size=1 if c.task == gate else len(members)))
    return result


def _below(p: float | None, alpha: float) -> bool:
    return p is not None and math.isfinite(p) and p < alpha


def outcome(comparison: Comparison, alpha: float) -> str:
    """The word the report prints: "not testable" (every score of both arms is one value),
    "better", "worse" (two-sided plans only) or "no significant difference".

    A significant adjusted p counts only when the mean difference and the ranks point the same way:
    a small p with a negative Δ is no improvement.
    """
    c = comparison
    if not c.testable:
        return "not testable"
    if _below(c.p_adjusted, alpha):
        if c.delta > 0 and c.p_value <= c.p_value_less:
            return "better"
        if c.delta < 0 and c.p_value_less < c.p_value and c.alternative == "two-sided":
            return "worse"
    return "no significant difference"


def significant(comparison: Comparison, alpha: float) -> bool:
    """The arm beats the baseline under the plan: see :func:`outcome`."""
    return outcome(comparison, alpha) == "better"


def worse(comparison: Comparison, alpha: float) -> bool:
    """The arm is below the baseline under a two-sided plan: see :func:`outcome`."""
    return outcome(comparison, alpha) == "worse"


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
