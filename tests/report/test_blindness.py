"""Input sensitivity, verbatim repeats, the data-blind rule and the sampling noise on known records."""
import math

import pytest

from commerce_grpo.report import blindness, noise


def record(i, task, texts, rewards, partner=None, swapped=None):
    return {"id": i, "task": task, "completions": texts, "rewards": rewards, "reward": sum(rewards) / len(rewards),
            "swap": None if partner is None else {"partner": partner, "rewards": swapped}}


def test_input_sensitivity_and_repeated_share():
    records = {"arm": {
        "p1": record("p1", "push", ["A", "B"], [0.8, 0.6], "p2", [0.2, 0.2]),
        "p2": record("p2", "push", ["A", "C"], [0.5, 0.5], "p1", [0.5, 0.3]),
        "p3": record("p3", "push", ["D", "D"], [0.1, 0.3]),  # no partner of its kind
        "e1": record("e1", "extraction", ["A", "E"], [1.0, 1.0]),
    }}
    result = blindness.input_sensitivity(records, ["extraction", "push"])["arm"]
    push = result["push"]
    assert push["pairs"] == 2 and push["outputs"] == 6
    assert push["own"] == pytest.approx((0.7 + 0.5) / 2) and push["swapped"] == pytest.approx((0.2 + 0.4) / 2)
    assert push["sensitivity"] == pytest.approx(0.3)
    # "A" is an output for p1 and p2 (2 outputs); "D" twice for p3 alone is no repeat across prompts;
    # "A" for e1 is another task's.
    assert push["repeated_share"] == pytest.approx(2 / 6)
    assert result["extraction"] == {"pairs": 0, "own": None, "swapped": None, "sensitivity": None, "outputs": 2,
                                    "repeated_share": 0.0}
    assert result["overall"]["repeated_share"] == pytest.approx(2 / 8)


def test_pooled_figures_average_the_seeds():
    one = {"push": {"pairs": 2, "own": 0.6, "swapped": 0.3, "sensitivity": 0.3, "outputs": 4, "repeated_share": 0.5}}
    two = {"push": {"pairs": 2, "own": 0.4, "swapped": 0.3, "sensitivity": 0.1, "outputs": 4, "repeated_share": 0.0}}
    pooled = blindness.pooled([one, two])["push"]
    assert pooled == pytest.approx({"pairs": 2, "own": 0.5, "swapped": 0.3, "sensitivity": 0.2, "outputs": 4,
                                    "repeated_share": 0.25})


def _arm(own, swapped):
    return {f"p{i}": record(f"p{i}", "push", ["x"], [o], f"p{(i + 1) % len(own)}", [s])
            for i, (o, s) in enumerate(zip(own, swapped))}


def test_a_gain_that_carries_over_to_the_partner_is_data_blind():
    init = _arm([0.3, 0.2, 0.4, 0.3], [0.3, 0.2, 0.3, 0.3])
    template = _arm([0.7, 0.6, 0.8, 0.7], [0.7, 0.6, 0.7, 0.65])  # the same score on another prompt
    reads = _arm([0.7, 0.6, 0.8, 0.7], [0.35, 0.2, 0.3, 0.3])
    blind = blindness.data_blind([template], init, "push", samples=500, seed=0)
    assert blind["gain"] == pytest.approx(0.4) and blind["read_share"] < 0.1 and blind["data_blind"]
    honest = blindness.data_blind([reads], init, "push", samples=500, seed=0)
    assert honest["read_share"] > 0.9 and not honest["data_blind"]
    assert blindness.data_blind([init], init, "push", samples=100, seed=0) is None  # no gain
    assert blindness.data_blind([template], init, "sql_qa", samples=100, seed=0) is None  # no partnered prompt
    # Two seeds pool per prompt: one template seed and one reading seed read about half.
    both = blindness.data_blind([template, reads], init, "push", samples=500, seed=0)
    assert both["read_share"] == pytest.approx((blind["read_share"] + honest["read_share"]) / 2)


def test_within_and_between_prompt_noise():
    records = {"arm": {
        "a": record("a", "push", ["x", "y"], [0.0, 1.0]),
        "b": record("b", "push", ["x", "y"], [0.5, 0.5]),
        "c": record("c", "sql_qa", ["x", "y"], [0.2, 0.2]),
    }}
    push = noise.sampling_noise(records, ["sql_qa", "push"])["arm"]["push"]
    assert push["k"] == 2 and push["prompts"] == 2
    assert push["within_sd"] == pytest.approx(math.sqrt((0.5 + 0.0) / 2))  # variances 0.5 and 0
    assert push["between_sd"] == pytest.approx(0.0)  # both prompts score 0.5
    assert push["prompts_varying"] == 0.5
    one = noise.sampling_noise({"arm": {"a": record("a", "push", ["x"], [0.3])}}, ["push"])["arm"]["push"]
    assert one["within_sd"] is None and one["between_sd"] is None
