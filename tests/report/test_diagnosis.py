"""The handoff's decision tree on GRPO vs the arm it started from, branch by branch, and what it
says about its own limits (not testable, borderline cut-offs, a direction every seed shares)."""
import pytest

from commerce_grpo import stats
from commerce_grpo.report import analysis

AUDIT_OK = {"spearman_mean": 0.9, "passed": True, "reasons": []}
AUDIT_FAILED = {"spearman_mean": 0.3, "passed": False, "reasons": ["Spearman 0.30 < 0.6"]}


def comparison(mean_arm, mean_base=0.3, p=0.5, p_less=0.5, testable=True):
    two = stats.two_sided(p, p_less)
    return stats.Comparison(
        arm="grpo_pooled", baseline="sft", task="t", stage="grpo", role="primary", family="grpo_pooled vs sft",
        alternative="two-sided", seeds=3, n=15, tied=0, testable=testable, mean_arm=mean_arm,
        mean_baseline=mean_base, delta=mean_arm - mean_base, delta_pct=None, iqm_arm=mean_arm, iqm_baseline=mean_base,
        p_value=p, p_value_less=p_less, p_two_sided=two, p_plan=two, p_adjusted=two, family_size=5, p_holm=p,
        p_holm_less=p_less, p_value_scipy_default=p, effect_size=0.0, ci95=(0.0, 0.0), ci95_method="BCa",
        ci95_two_level=None, prob_improvement=0.5, prob_improvement_ci95=None)


def diagnose(task="sql_qa", *, c, audit=AUDIT_OK, prompts=1000, trend=None, insensitive=(0.0, 45), seeds=None,
             interval=None, blind=None):
    return analysis.diagnose(task, comparison=c, alpha=0.05, audit=audit, train_prompts=prompts, trend=trend,
                             insensitive=insensitive, seed_deltas=seeds or {}, mean_interval=interval, blind=blind,
                             trained={"sft": True, "grpo": True})


def verdict(*args, **kwargs):
    return diagnose(*args, **kwargs)["verdict"]


FLAT = {"gain_first_to_best": 0.0, "best_at_last_eval": 0, "seeds": 3}
RISING = {"gain_first_to_best": 0.1, "best_at_last_eval": 2, "seeds": 3}


def test_branches():
    assert verdict(c=comparison(0.6, p=0.001)) == "improved"
    assert verdict(c=comparison(0.6, p=0.001), audit=AUDIT_FAILED) == "reward problem"  # a gain in a bad reward
    assert verdict(c=comparison(0.4), audit=AUDIT_FAILED) == "reward problem"
    assert verdict(c=comparison(0.25, mean_base=0.5, p=1.0, p_less=0.001)) == "worse"
    assert verdict("extraction", c=comparison(0.1)) == "reward problem"  # Scenario C routing
    assert verdict("sql_qa", c=comparison(0.1)) == "capacity ceiling"
    assert verdict("insights", c=comparison(0.1)) == "data starvation"
    assert verdict(c=comparison(0.4), insensitive=(0.7, 45)) == "reward problem"
    assert verdict(c=comparison(0.4), prompts=148, trend=FLAT) == "data starvation"
    assert verdict(c=comparison(0.4), trend=RISING) == "data starvation"
    assert verdict(c=comparison(0.4), trend=FLAT) == "capacity ceiling"
    assert analysis.diagnose("push", comparison=None, alpha=0.05, audit=None, train_prompts=None, trend=None,
                             insensitive=None, seed_deltas={}, mean_interval=None, blind=None,
                             trained=None)["verdict"] == "not evaluated"


def test_all_outputs_at_one_value_are_not_testable_not_a_capacity_ceiling():
    """The study's sql_qa and insights: every output of both arms scored 0. That routed to
    "capacity ceiling" and "data starvation"; it is no evidence of either."""
    for task in ("sql_qa", "insights"):
        d = diagnose(task, c=comparison(0.0, mean_base=0.0, p=1.0, p_less=1.0, testable=False))
        assert d["verdict"] == "not testable" and "scores 0" in d["reason"]


def test_never_improved_unless_above_the_init_arm():
    # A small p with a negative mean difference (ranks and means disagree) is not an improvement.
    assert verdict(c=comparison(0.29, mean_base=0.3, p=0.001)) != "improved"
    assert verdict(c=comparison(0.3, mean_base=0.3, p=0.001)) != "improved"
    d = diagnose(c=comparison(0.2, mean_base=0.5, p=1.0, p_less=0.001), insensitive=None)
    assert d["evidence"]["init_arm"] == "sft" and "GRPO is below sft" in d["reason"]


def test_a_direction_every_seed_shares_is_said_when_not_significant():
    d = diagnose(c=comparison(0.39, mean_base=0.4, p=0.9, p_less=0.2), seeds={42: -0.022, 123: -0.008, 456: -0.010})
    assert "every seed moved down (-0.022/-0.008/-0.010 vs sft), not significant" in d["reason"]
    mixed = diagnose(c=comparison(0.39, mean_base=0.4), seeds={42: -0.022, 123: 0.008, 456: -0.010})
    assert "every seed" not in mixed["reason"]
    assert "every seed" not in diagnose(c=comparison(0.39, mean_base=0.4), seeds={42: -0.02})["reason"]


def test_a_cut_off_inside_the_values_interval_is_borderline():
    # The study's extraction: 27 of 60 pairs with the same reward and different text, against 0.5.
    d = diagnose("sql_qa", c=comparison(0.4), insensitive=(27 / 60, 60), trend=FLAT)
    assert d["verdict"] == "capacity ceiling"
    assert any(n.startswith("borderline: share of same reward, different text 0.450") for n in d["notes"])
    clear = diagnose("sql_qa", c=comparison(0.4), insensitive=(5 / 60, 60), trend=FLAT)
    assert not any("borderline" in n for n in clear["notes"])
    # A lagging mean whose interval reaches over 0.20.
    weak = diagnose("sql_qa", c=comparison(0.18), interval=(0.12, 0.24))
    assert weak["verdict"] == "capacity ceiling" and "borderline: GRPO mean" in weak["reason"]


BLIND = {"read_share": 0.1, "read_share_ci95": (0.02, 0.2), "data_blind": True, "gain": 0.34, "gain_swapped": 0.31}
READS = {"read_share": 0.8, "read_share_ci95": (0.7, 0.9), "data_blind": False, "gain": 0.34, "gain_swapped": 0.07}


def test_a_gain_that_does_not_read_the_input_is_a_data_blind_gain():
    d = diagnose("push", c=comparison(0.65, mean_base=0.31, p=0.0001, p_less=1.0), blind=BLIND)
    assert d["verdict"] == "data-blind gain" and "only 10% of it reads the input" in d["reason"]
    assert verdict("push", c=comparison(0.65, mean_base=0.31, p=0.0001, p_less=1.0), blind=READS) == "improved"
    borderline = {**READS, "read_share": 0.55, "read_share_ci95": (0.4, 0.7)}
    d = diagnose("push", c=comparison(0.65, mean_base=0.31, p=0.0001, p_less=1.0), blind=borderline)
    assert d["verdict"] == "improved" and "borderline: share of the gain that reads the input" in d["reason"]


def record(text, reward):
    return {"task": "push", "completion": text, "reward": reward}


def test_insensitive_share_ignores_floor_ceiling_and_unchanged_text():
    init = {"a": record("x", 0.0), "b": record("y", 1.0), "c": record("z", 0.4), "d": record("w", 0.4)}
    tuned = {"a": record("x2", 0.0), "b": record("y2", 1.0), "c": record("z", 0.4), "d": record("w2", 0.4)}
    assert analysis.insensitive_share("push", init, [tuned]) == (pytest.approx(0.25), 4)
    assert analysis.insensitive_share("sql_qa", init, [tuned]) is None


def test_trained_tasks_is_the_hook_for_untrained_tasks():
    trained = analysis.trained_tasks(["extraction", "sql_qa", "push"], sft_tasks=["extraction", "push"],
                                     task_mix={"extraction": 0, "push": 4})
    assert trained == {"extraction": {"sft": True, "grpo": False}, "sql_qa": {"sft": False, "grpo": False},
                       "push": {"sft": True, "grpo": True}}
    assert analysis.trained_tasks(["sql_qa"], sft_tasks=[], task_mix=None) == {"sql_qa": {"sft": False, "grpo": True}}


def test_scenarios():
    def rows(means, p=0.5):
        return [stats.Comparison(**{**comparison(m, p=p).__dict__, "task": t, "baseline": "base"})
                for t, m in means.items()]

    tasks = ["extraction", "sql_qa"]
    a = rows({"extraction": 0.7, "sql_qa": 0.5, "overall": 0.6})
    assert analysis.scenario(a, "grpo_pooled", tasks, 0.05)["scenario"] == "A"
    b = rows({"extraction": 0.17, "sql_qa": 0.5, "overall": 0.4})
    assert analysis.scenario(b, "grpo_pooled", tasks, 0.05)["scenario"] == "B"
    c = rows({"extraction": 0.17, "sql_qa": 0.5, "overall": 0.4}, p=0.001)
    assert analysis.scenario(c, "grpo_pooled", tasks, 0.05)["scenario"] == "C"
    none = rows({"extraction": 0.4, "sql_qa": 0.5, "overall": 0.45})
    assert analysis.scenario(none, "grpo_pooled", tasks, 0.05)["scenario"] is None
