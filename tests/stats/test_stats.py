"""Known answers for the paired statistics: exact p-values, ties, both directions, Holm."""
import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from commerce_grpo import stats


def scores(values):
    return {f"p{i:03d}": float(v) for i, v in enumerate(values)}


def compare(arm, base, alternative="two-sided", **kwargs):
    return stats.compare(scores(arm), scores(base), arm="a", baseline="b", task="t", stage="grpo",
                         alternative=alternative, bootstrap_samples=200, seed=0, **kwargs)


def brute_force(arm, base):
    """Every sign flip of the untied differences, R+ with mid-ranks: (p greater, p less, attainable tails)."""
    d = np.round(np.asarray(arm, float) - np.asarray(base, float), stats.DECIMALS)
    d = d[d != 0]
    ranks = sps.rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    signs = np.array(list(itertools.product((0, 1), repeat=d.size)), float).reshape(2 ** d.size, d.size)
    outcomes = signs @ ranks
    greater = np.mean(outcomes >= observed - 1e-9)
    less = np.mean(outcomes <= observed + 1e-9)
    support = np.unique(outcomes)
    tails = {float(np.mean(outcomes >= t - 1e-9)) for t in support} | {float(np.mean(outcomes <= t + 1e-9))
                                                                     for t in support}
    return float(greater), float(less), tails


def test_push_example_from_the_study_is_not_significant():
    # 15 pairs, 11 tied, 4 untied all positive: no sign pattern of 4 pairs is rarer than 1/16.
    arm = [0.9, 0.8, 0.75, 0.7] + [0.5] * 11
    base = [0.5] * 15
    c = compare(arm, base)
    assert (c.n, c.tied) == (15, 11)
    assert c.p_value == 1 / 16
    assert c.p_value_scipy_default == pytest.approx(0.034, abs=5e-4)  # the unattainable value, labelled
    assert c.p_value_less == 1.0
    assert c.p_two_sided == 1 / 8
    assert not stats.significant(c, 0.05)
    assert stats.outcome(c, 0.05) == "no significant difference"


def test_exact_known_answers():
    assert stats.exact_signed_rank([1, 2, 3, 4, 5], [0] * 5) == (1 / 32, 1.0)
    assert stats.exact_signed_rank([0] * 5, [1, 2, 3, 4, 5]) == (1.0, 1 / 32)
    # Two tied pairs dropped; 4 positive differences left: p = 1/16.
    assert stats.exact_signed_rank([1, 2, 3.5, 4, 5, 6], [1, 2, 3, 3, 3, 3])[0] == 1 / 16
    # d = [1, -1, 2]: mid-ranks 1.5, 1.5, 3; R+ = 4.5; outcomes ≥ 4.5: {1.5+3, 1.5+3, 1.5+1.5+3} → 3/8.
    assert stats.exact_signed_rank([1, -1, 2], [0, 0, 0])[0] == 3 / 8


def test_float_noise_neither_breaks_ties_nor_invents_differences():
    # 0.3-0.2 and 0.7-0.6 differ in the last bits; 0.1+0.2 vs 0.3 is a tie.
    c = compare([0.3, 0.7, 0.1 + 0.2], [0.2, 0.6, 0.3])
    assert c.tied == 1
    assert c.p_value == 1 / 4  # two equal magnitudes, both positive


def test_no_tied_magnitudes_equal_scipy_exact():
    rng = np.random.default_rng(3)
    for n in (5, 12, 25, 40):
        arm, base = rng.random(n), rng.random(n)
        greater, less = stats.exact_signed_rank(arm, base)
        assert greater == pytest.approx(sps.wilcoxon(arm, base, alternative="greater", method="exact").pvalue, rel=1e-12)
        assert less == pytest.approx(sps.wilcoxon(arm, base, alternative="less", method="exact").pvalue, rel=1e-12)


def test_tied_magnitudes_equal_the_full_permutation_test():
    arm = [0.5, 0.6, 0.6, 0.3, 0.9, 0.2, 0.75, 0.25, 0.5, 1.0]
    base = [0.25, 0.5, 0.5, 0.5, 0.6, 0.2, 0.5, 0.5, 0.25, 0.75]
    d = np.asarray(arm) - np.asarray(base)
    d = d[d != 0]
    expected = sps.permutation_test(
        (d,), lambda x: sps.rankdata(np.abs(x))[x > 0].sum(), permutation_type="samples",
        alternative="greater", n_resamples=np.inf).pvalue
    assert stats.exact_signed_rank(arm, base)[0] == pytest.approx(expected, rel=1e-12)
    assert stats.exact_signed_rank(arm, base)[0] == brute_force(arm, base)[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 0.25, 0.5, 0.75, 1.0]), st.sampled_from([0, 0.25, 0.5, 0.75, 1.0])),
                min_size=1, max_size=13))
def test_every_p_is_attainable_under_the_exact_null(pairs):
    """Coarse rewards (many ties of both kinds): the reported p is one of the null's tail probabilities."""
    arm, base = [a for a, _ in pairs], [b for _, b in pairs]
    greater, less, tails = brute_force(arm, base)
    p_greater, p_less = stats.exact_signed_rank(arm, base)  # what compare() reports as p_value, p_value_less
    assert p_greater == pytest.approx(greater, abs=1e-15) and p_less == pytest.approx(less, abs=1e-15)
    assert any(abs(p_greater - t) < 1e-15 for t in tails)
    assert any(abs(p_less - t) < 1e-15 for t in tails)
    assert p_greater + p_less >= 1  # the observed outcome counts in both tails


def test_all_zero_differences_are_no_evidence_either_way():
    for n in (10, 20):
        c = compare([0.3, 0.6] * (n // 2), [0.3, 0.6] * (n // 2))
        assert c.tied == c.n == n
        assert (c.p_value, c.p_value_less, c.p_two_sided) == (1.0, 1.0, 1.0)
        assert math.isnan(c.effect_size)
        assert c.ci95_method == "zero-spread bound" and c.ci95[0] < 0 < c.ci95[1]  # not a zero-width [0, 0]
        assert stats.outcome(stats.adjust([c])[0], 0.05) == "no significant difference"
    assert compare([0.3] * 20, [0.3] * 20).to_json()["p_value_scipy_default"] is None  # scipy's 0/0


def test_every_output_at_one_value_is_not_testable():
    c = compare([0.0] * 15, [0.0] * 15)
    assert not c.testable and stats.outcome(c, 0.05) == "not testable"
    # Pairs that tie at different values are testable (the arms did give different prompts different scores).
    assert compare([0.0, 1.0] * 5, [0.0, 1.0] * 5).testable
    # One arm at one value, the other not: testable.
    assert stats.outcome(compare([0.0] * 6, [0.5] * 6), 0.05) == "worse"


def test_a_regression_is_reported_as_worse():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.4, 0.6, 20)
    c = compare(base - 0.1 - rng.uniform(0, 0.05, 20), base)
    assert c.p_value == 1.0 and c.p_value_less == 2.0 ** -20 and c.p_two_sided == 2.0 ** -19
    assert stats.worse(c, 0.05) and not stats.significant(c, 0.05)
    assert stats.outcome(c, 0.05) == "worse"
    # A plan that tests only arm > baseline never declares a regression.
    one_sided = compare(base - 0.1 - rng.uniform(0, 0.05, 20), base, alternative="greater")
    assert one_sided.p_plan == one_sided.p_value == 1.0
    assert stats.outcome(one_sided, 0.05) == "no significant difference"


def test_two_sided_p_is_twice_the_smaller_tail_and_attainable():
    assert stats.two_sided(0.01, 0.995) == 0.02 and stats.two_sided(0.7, 0.6) == 1.0
    c = compare([1, 2, 3, 4, 5], [0] * 5)
    assert c.p_two_sided == 2 / 32 and c.p_plan == c.p_two_sided
    assert compare([1, 2, 3, 4, 5], [0] * 5, alternative="greater").p_plan == 1 / 32
    with pytest.raises(ValueError, match="report.plan.direction: 'less'"):
        compare([1], [0], alternative="less")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 0.25, 0.5, 1.0]), st.sampled_from([0, 0.25, 0.5, 1.0])),
                min_size=1, max_size=11))
def test_two_sided_p_is_the_symmetric_tail_of_the_exact_null(pairs):
    """P(|R+ − E R+| ≥ |observed − E R+|) over every sign flip equals twice the smaller tail."""
    arm, base = [a for a, _ in pairs], [b for _, b in pairs]
    d = np.round(np.asarray(arm, float) - np.asarray(base, float), stats.DECIMALS)
    d = d[d != 0]
    ranks = sps.rankdata(np.abs(d))
    signs = np.array(list(itertools.product((0, 1), repeat=d.size)), float).reshape(2 ** d.size, d.size)
    outcomes, centre = signs @ ranks, ranks.sum() / 2
    expected = float(np.mean(np.abs(outcomes - centre) >= abs(ranks[d > 0].sum() - centre) - 1e-9))
    assert compare(arm, base).p_two_sided == pytest.approx(expected, abs=1e-12)


def test_rank_biserial_known_answers():
    assert stats.rank_biserial([1, 2, 3], [0, 0, 0]) == 1.0
    assert stats.rank_biserial([0, 0, 0], [1, 2, 3]) == -1.0
    # d = [1, -2, 3, 0]: the tie is dropped, ranks 1, 2, 3 → (4 - 2) / 6.
    assert stats.rank_biserial([1, -2, 3, 5], [0, 0, 0, 5]) == pytest.approx(1 / 3)
    # d = [1, -1, 2]: |d| ties share rank 1.5 → (4.5 - 1.5) / 6.
    assert stats.rank_biserial([1, -1, 2], [0, 0, 0]) == pytest.approx(0.5)


def test_holm_known_answer_and_nan():
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([float("nan"), 0.01]) == pytest.approx([1.0, 0.02])
    assert stats.holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])


def test_adjust_holms_each_direction_within_the_family():
    up = compare([1, 2, 3, 4, 5, 6], [0] * 6)  # p = 1/64, two-sided 1/32
    down = compare([0] * 6, [1, 2, 3, 4, 5, 6])  # p_less = 1/64
    adjusted = stats.adjust([up, down])
    assert adjusted[0].p_holm == pytest.approx(2 / 64) and adjusted[1].p_holm == 1.0
    assert adjusted[1].p_holm_less == pytest.approx(2 / 64) and adjusted[0].p_holm_less == 1.0
    assert [c.p_adjusted for c in adjusted] == pytest.approx([2 / 32, 2 / 32])
    assert [c.family_size for c in adjusted] == [2, 2]


def test_tests_without_an_untied_pair_leave_m():
    """Tarone (1990): a test whose exact p is 1 whatever the signs cannot reject, so it does not
    count; a planted all-tied task must not dilute the others (p × 2, not × 3)."""
    up = compare([1, 2, 3, 4, 5, 6, 7], [0] * 7)  # two-sided 1/64
    tied = compare([0.5, 0.2] * 4, [0.5, 0.2] * 4)
    other = compare([1, 2, -3, 4, 5, 6, 7], [0] * 7)
    adjusted = stats.adjust([up, tied, other])
    assert adjusted[1].p_adjusted == 1.0 and adjusted[1].family_size == 2
    assert adjusted[0].p_adjusted == pytest.approx(2 * up.p_two_sided)


def test_gatekeeper_bounds_every_task_by_the_gate():
    gate = replace(compare([1, 2, 3, -1, 5, 6], [0] * 6), task="overall")  # a modest gate
    strong = replace(compare([1, 2, 3, 4, 5, 6, 7, 8], [0] * 8), task="push")
    weak = replace(compare([1, -2, 3, -4, 5, 6], [0] * 6), task="sql_qa")
    adjusted = {c.task: c for c in stats.adjust([strong, weak, gate], gate="overall")}
    assert adjusted["overall"].p_adjusted == gate.p_plan  # tested first at the full α
    assert adjusted["push"].p_adjusted == pytest.approx(max(gate.p_plan, 2 * strong.p_plan))
    # Holm's second step multiplies by 1, after the running max.
    assert adjusted["sql_qa"].p_adjusted == pytest.approx(max(gate.p_plan, weak.p_plan, 2 * strong.p_plan))
    assert adjusted["push"].p_adjusted >= gate.p_plan > strong.p_plan
    with pytest.raises(ValueError, match="gatekeeper 'overall'"):
        stats.adjust([strong], gate="overall")


def test_bca_interval_is_seeded_brackets_the_mean_and_survives_heavy_ties():
    rng = np.random.default_rng(1)
    d = rng.normal(0.1, 0.05, 40)
    first = stats.bca_interval(d, samples=1000, seed=3)
    assert first == stats.bca_interval(d, samples=1000, seed=3)
    assert first != stats.bca_interval(d, samples=1000, seed=4)
    assert first[0] < d.mean() < first[1]
    # 15 pairs, 13 tied at 0: a percentile interval's lower end sits on 0; BCa stays a real interval.
    ties = [0.0] * 13 + [0.2, 0.3]
    low, high = stats.bca_interval(ties, samples=2000, seed=0)
    assert low <= np.mean(ties) < high and high - low > 0.02
    # Symmetric data: close to the percentile interval.
    sym = np.linspace(-1, 1, 41)
    low, high = stats.bca_interval(sym, samples=4000, seed=0)
    assert low == pytest.approx(-high, abs=0.03)


def test_zero_spread_bound():
    low, high = stats.zero_spread_bound(0.0, 15, 0.95)
    assert (low, high) == pytest.approx((-0.2180, 0.2180), abs=1e-4)  # 1 − 0.025^(1/15)
    low, high = stats.zero_spread_bound(1.0, 15, 0.95)
    assert high == 1.0 and low == pytest.approx(1 - 2 * 0.2180, abs=1e-4)
    assert stats.bca_interval([0.25] * 15, samples=100, seed=0) == stats.zero_spread_bound(0.25, 15, 0.95)


def test_two_level_bootstrap_resamples_seeds_then_prompts():
    base = np.array([0.2, 0.4, 0.6, 0.8])
    seeds = np.array([base + 0.1, base + 0.3])  # seed means +0.1 and +0.3
    deltas, wins = stats.two_level_bootstrap(seeds, base, samples=4000, seed=0)
    # Seeds are drawn with replacement: both from one seed ≈ 1/4 of draws each way.
    assert np.mean(np.isclose(deltas, 0.1)) == pytest.approx(0.25, abs=0.03)
    assert np.mean(np.isclose(deltas, 0.3)) == pytest.approx(0.25, abs=0.03)
    assert np.all(wins == 1.0)
    one = stats.two_level_bootstrap(seeds[:1], base, samples=500, seed=0)[0]
    assert np.allclose(one, 0.1)  # one seed and a constant shift: nothing varies
    # The pooled comparison reports it beside the prompt interval.
    c = stats.compare({f"p{i}": v for i, v in enumerate(seeds.mean(axis=0))}, {f"p{i}": v for i, v in enumerate(base)},
                      arm="pooled", baseline="b", task="t", stage="grpo", alternative="two-sided",
                      bootstrap_samples=2000, seed=0,
                      per_seed=[{f"p{i}": v for i, v in enumerate(s)} for s in seeds])
    assert c.seeds == 2 and c.ci95_two_level[0] <= 0.1 + 1e-9 and c.ci95_two_level[1] >= 0.3 - 1e-9
    assert c.ci95_method == "zero-spread bound"  # every pooled difference is +0.2


def test_probability_of_improvement_and_iqm():
    assert stats.probability_of_improvement(np.array([[1.0, 0.5, 0.0, 0.3]]), np.array([0.0, 0.5, 1.0, 0.2])) == 0.625
    assert stats.probability_of_improvement(np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([0.5, 0.5])) == 0.5
    assert stats.iqm([0, 0, 1, 2, 3, 4, 100, 100]) == pytest.approx(2.5)  # the middle half: 1, 2, 3, 4
    c = compare([0.9, 0.8, 0.1, 0.7], [0.5, 0.5, 0.5, 0.7])
    assert c.prob_improvement == pytest.approx((2 + 0.5) / 4)


def test_wilson_and_t_intervals():
    low, high = stats.wilson(27, 60)
    # The roots of (p − 27/60)² = z²·p(1 − p)/60: the share's 95 % score interval.
    z, share = sps.norm.ppf(0.975), 27 / 60
    a, b, c = 1 + z * z / 60, -(2 * share + z * z / 60), share * share
    roots = sorted(np.roots([a, b, c]))
    assert (low, high) == pytest.approx(roots, abs=1e-12)
    assert low < 0.5 < high
    low, high = stats.t_interval([1.0, 2.0, 3.0])
    assert (low, high) == pytest.approx((2 - 4.302653 / math.sqrt(3), 2 + 4.302653 / math.sqrt(3)), abs=1e-5)
    assert all(math.isnan(v) for v in stats.t_interval([1.0]))


def test_compare_pairs_by_id_not_by_order():
    arm = {"b": 0.9, "a": 0.1}
    base = {"a": 0.0, "b": 0.8}
    c = stats.compare(arm, base, arm="x", baseline="base", task="t", stage="sft", alternative="two-sided",
                      bootstrap_samples=100, seed=0)
    assert (c.n, c.tied, c.stage) == (2, 0, "sft")
    assert c.delta == pytest.approx(0.1)
    assert c.delta_pct == pytest.approx(0.1 / 0.4 * 100)
    assert c.effect_size == 1.0


def test_compare_rejects_mismatched_ids():
    with pytest.raises(ValueError, match="only in arm: \\['c'\\]"):
        stats.compare({"a": 1, "c": 1}, {"a": 0, "b": 0}, arm="x", baseline="y", task="t", stage="sft",
                      alternative="two-sided", bootstrap_samples=100, seed=0)


def test_delta_pct_only_against_a_baseline_of_at_least_005():
    assert compare([0.2, 0.3], [0, 0]).delta_pct is None
    assert compare([0.2, 0.3], [0.002, 0.002]).delta_pct is None  # not +12,400 %
    assert compare([0.2, 0.3], [0.05, 0.05]).delta_pct == pytest.approx(400.0)


def test_seed_summary_and_pooling():
    assert stats.mean_sd([0.5, 0.7]) == pytest.approx((0.6, math.sqrt(0.02)))
    mean, sd = stats.mean_sd([0.5])
    assert mean == 0.5 and math.isnan(sd)
    assert stats.pool_seeds([{"a": 0.2, "b": 1.0}, {"a": 0.4, "b": 0.0}]) == pytest.approx({"a": 0.3, "b": 0.5})
    with pytest.raises(ValueError, match="same prompt ids"):
        stats.pool_seeds([{"a": 1.0}, {"b": 1.0}])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=70))
def test_properties(pairs):
    arm, base = [a for a, _ in pairs], [b for _, b in pairs]
    r = stats.rank_biserial(arm, base)
    assert math.isnan(r) or -1 <= r <= 1
    greater, less = stats.exact_signed_rank(arm, base)
    assert 0 < greater <= 1 and 0 < less <= 1 and greater + less >= 1 - 1e-12
    adjusted = stats.holm([greater, 0.5])
    assert adjusted[0] >= greater - 1e-12
