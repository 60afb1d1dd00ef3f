"""Known answers for the paired statistics, ties and zero differences included."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from commerce_grpo import stats


def scores(values):
    return {f"p{i:03d}": float(v) for i, v in enumerate(values)}


def test_wilcoxon_exact_known_answer():
    # Five untied positive differences: only 1 of the 2**5 sign patterns reaches R+ = 15.
    assert stats.wilcoxon_greater([1, 2, 3, 4, 5], [0, 0, 0, 0, 0]) == pytest.approx(1 / 32)


def test_wilcoxon_zero_differences_are_dropped():
    # Two tied pairs dropped (zero_method="wilcox"); 4 positive differences left: p = 1/16.
    p = stats.wilcoxon_greater([1, 2, 3.5, 4, 5, 6], [1, 2, 3, 3, 3, 3])
    assert p == pytest.approx(1 / 16)


def test_wilcoxon_tied_magnitudes_match_scipy():
    arm = [0.5, 0.6, 0.6, 0.3, 0.9, 0.2] * 4
    base = [0.4, 0.5, 0.5, 0.4, 0.6, 0.2] * 4
    assert stats.wilcoxon_greater(arm, base) == sps.wilcoxon(arm, base, alternative="greater").pvalue


def test_all_zero_differences_follow_scipy_and_are_never_significant():
    few = stats.compare(scores([0.3] * 10), scores([0.3] * 10), arm="a", baseline="b", task="t",
                        bootstrap_samples=200, seed=0)
    many = stats.compare(scores([0.3] * 20), scores([0.3] * 20), arm="a", baseline="b", task="t",
                         bootstrap_samples=200, seed=0)
    assert few.p_value == 1.0  # exact permutation, n <= 13
    assert math.isnan(many.p_value)  # normal approximation of zero ranks, n > 13
    assert many.tied == many.n == 20
    assert math.isnan(many.effect_size)
    assert many.ci95 == (0.0, 0.0)
    assert not stats.significant(stats.adjust([many])[0], 0.05)
    assert many.to_json()["p_value"] is None


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
    c = stats.compare(arm, base, arm="x", baseline="base", task="t", bootstrap_samples=100, seed=0)
    assert (c.n, c.tied) == (2, 0)
    assert c.delta == pytest.approx(0.1)
    assert c.delta_pct == pytest.approx(0.1 / 0.4 * 100)
    assert c.effect_size == 1.0


def test_compare_rejects_mismatched_ids():
    with pytest.raises(ValueError, match="only in arm: \\['c'\\]"):
        stats.compare({"a": 1, "c": 1}, {"a": 0, "b": 0}, arm="x", baseline="y", task="t",
                      bootstrap_samples=100, seed=0)


def test_delta_pct_undefined_for_zero_baseline():
    c = stats.compare(scores([0.2, 0.3]), scores([0, 0]), arm="x", baseline="y", task="t",
                      bootstrap_samples=100, seed=0)
    assert c.delta_pct is None


def test_seed_summary_and_pooling():
    assert stats.mean_sd([0.5, 0.7]) == pytest.approx((0.6, math.sqrt(0.02)))
    mean, sd = stats.mean_sd([0.5])
    assert mean == 0.5 and math.isnan(sd)
    assert stats.pool_seeds([{"a": 0.2, "b": 1.0}, {"a": 0.4, "b": 0.0}]) == pytest.approx({"a": 0.3, "b": 0.5})
    with pytest.raises(ValueError, match="same prompt ids"):
        stats.pool_seeds([{"a": 1.0}, {"b": 1.0}])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=30))
def test_properties(pairs):
    arm, base = [a for a, _ in pairs], [b for _, b in pairs]
    r = stats.rank_biserial(arm, base)
    assert math.isnan(r) or -1 <= r <= 1
    p = stats.wilcoxon_greater(arm, base)
    assert math.isnan(p) or 0 <= p <= 1
    adjusted = stats.holm([p, 0.5])
    assert adjusted[0] >= (p if not math.isnan(p) else 1.0) - 1e-12
