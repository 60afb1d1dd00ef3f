"""Known answers for the paired statistics: exact p-values, ties, both directions, Holm."""
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from commerce_grpo import stats


def scores(values):
    return {f"p{i:03d}": float(v) for i, v in enumerate(values)}


def compare(arm, base, **kwargs):
    return stats.compare(scores(arm), scores(base), arm="a", baseline="b", task="t", stage="grpo",
                         bootstrap_samples=200, seed=0, **kwargs)


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
        c = compare([0.3] * n, [0.3] * n)
        assert c.tied == c.n == n
        assert (c.p_value, c.p_value_less) == (1.0, 1.0)
        assert math.isnan(c.effect_size)
        assert c.ci95 == (0.0, 0.0)
        assert stats.outcome(stats.adjust([c])[0], 0.05) == "no significant difference"
    assert compare([0.3] * 20, [0.3] * 20).to_json()["p_value_scipy_default"] is None  # scipy's 0/0


def test_a_regression_is_reported_as_worse():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.4, 0.6, 20)
    c = compare(base - 0.1 - rng.uniform(0, 0.05, 20), base)
    assert c.p_value == 1.0 and c.p_value_less == 2.0 ** -20
    assert stats.worse(c, 0.05) and not stats.significant(c, 0.05)
    assert stats.outcome(c, 0.05) == "worse"


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
    up = compare([1, 2, 3, 4, 5, 6], [0] * 6)  # p = 1/64
    down = compare([0] * 6, [1, 2, 3, 4, 5, 6])  # p_less = 1/64
    adjusted = stats.adjust([up, down])
    assert adjusted[0].p_holm == pytest.approx(2 / 64) and adjusted[1].p_holm == 1.0
    assert adjusted[1].p_holm_less == pytest.approx(2 / 64) and adjusted[0].p_holm_less == 1.0
    assert [stats.outcome(c, 0.05) for c in adjusted] == ["better", "worse"]


def test_bootstrap_ci_is_seeded_and_brackets_the_mean():
    rng = np.random.default_rng(1)
    base = rng.random(40)
    arm = base + rng.normal(0.1, 0.05, 40)
    first = stats.bootstrap_ci(arm, base, samples=1000, seed=3)
    assert first == stats.bootstrap_ci(arm, base, samples=1000, seed=3)
    assert first != stats.bootstrap_ci(arm, base, samples=1000, seed=4)
    assert first[0] < (arm - base).mean() < first[1]
    assert stats.bootstrap_ci([0.5] * 5, [0.25] * 5, samples=100, seed=0) == (0.25, 0.25)


def test_compare_pairs_by_id_not_by_order():
    arm = {"b": 0.9, "a": 0.1}
    base = {"a": 0.0, "b": 0.8}
    c = stats.compare(arm, base, arm="x", baseline="base", task="t", stage="sft", bootstrap_samples=100, seed=0)
    assert (c.n, c.tied, c.stage) == (2, 0, "sft")
    assert c.delta == pytest.approx(0.1)
    assert c.delta_pct == pytest.approx(0.1 / 0.4 * 100)
    assert c.effect_size == 1.0


def test_compare_rejects_mismatched_ids():
    with pytest.raises(ValueError, match="only in arm: \\['c'\\]"):
        stats.compare({"a": 1, "c": 1}, {"a": 0, "b": 0}, arm="x", baseline="y", task="t", stage="sft",
                      bootstrap_samples=100, seed=0)


def test_delta_pct_undefined_for_zero_baseline():
    assert compare([0.2, 0.3], [0, 0]).delta_pct is None


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
