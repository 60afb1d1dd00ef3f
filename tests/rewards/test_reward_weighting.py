"""MT-GRPO IWU: s_k = I_k + λ·J_k; g_k = z_k(s_k − Σ z_j s_j); ξ ← ξ − βg; z = softmax(ξ)."""
import math

import pytest
from task_names import TASKS

from commerce_grpo.rewards.weighting import IWUTaskWeights


def test_starts_uniform_and_sums_to_one():
    w = IWUTaskWeights(TASKS)
    assert w.weights == pytest.approx(dict.fromkeys(TASKS, 0.25))


def test_one_step_matches_the_formula():
    lam, beta = 0.5, 2.0
    w = IWUTaskWeights(("a", "b"), lam=lam, beta=beta)
    w.update({"a": 0.2, "b": 0.4})                  # J = 0 on the first step
    z = w.weights
    s_a, s_b = 0.2, 0.4
    bar = 0.5 * s_a + 0.5 * s_b
    xi = {"a": -beta * 0.5 * (s_a - bar), "b": -beta * 0.5 * (s_b - bar)}
    expected = {k: math.exp(v) / sum(math.exp(x) for x in xi.values()) for k, v in xi.items()}
    assert z == pytest.approx(expected)
    # second step: improvement J enters with λ
    prev = dict(w.logits)
    w.update({"a": 0.5, "b": 0.4})
    s = {"a": 0.5 + lam * 0.3, "b": 0.4 + lam * 0.0}
    bar = z["a"] * s["a"] + z["b"] * s["b"]
    for k in ("a", "b"):
        assert w.logits[k] == pytest.approx(prev[k] - beta * z[k] * (s[k] - bar))


def test_stagnating_low_reward_tasks_gain_weight():
    w = IWUTaskWeights(TASKS, lam=1.0, beta=0.5)
    for step in range(50):
        weights = w.update({"extraction": 0.8, "sql_qa": 0.1, "insights": 0.5, "push": 0.3})
    assert weights["sql_qa"] > weights["push"] > weights["insights"] > weights["extraction"]
    assert sum(weights.values()) == pytest.approx(1.0)
    assert len(w.history) == 50


def test_improving_task_is_treated_as_strong():
    w = IWUTaskWeights(("a", "b"), lam=2.0, beta=1.0)
    w.update({"a": 0.3, "b": 0.3})
    w.update({"a": 0.5, "b": 0.3})  # same level would tie; a improved
    assert w.weights["a"] < w.weights["b"]


def test_missing_and_nan_tasks_are_left_alone():
    w = IWUTaskWeights(TASKS)
    w.update({"push": 0.9, "sql_qa": float("nan")})
    assert w.logits["sql_qa"] == 0.0 and w.logits["extraction"] == 0.0
    assert w.logits["push"] == 0.0  # alone, it equals its own baseline


def test_validation():
    with pytest.raises(ValueError, match="unknown task"):
        IWUTaskWeights(TASKS).update({"chat": 1.0})
    with pytest.raises(ValueError, match="beta"):
        IWUTaskWeights(TASKS, beta=0)
    with pytest.raises(ValueError, match="distinct"):
        IWUTaskWeights(("a", "a"))
    w = IWUTaskWeights(("a", "b"), initial={"a": 3.0, "b": 1.0})
    assert w.weights == pytest.approx({"a": 0.75, "b": 0.25})
