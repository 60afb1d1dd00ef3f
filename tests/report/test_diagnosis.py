"""The handoff's decision tree on GRPO vs the arm it started from, branch by branch."""
import pytest

from commerce_grpo import stats
from commerce_grpo.report import analysis

AUDIT_OK = {"spearman_mean": 0.9, "passed": True, "reasons": []}
AUDIT_FAILED = {"spearman_mean": 0.3, "passed": False, "reasons": ["Spearman 0.30 < 0.6"]}


def comparison(mean_arm, mean_base=0.3, p=0.5, p_less=0.5):
    return stats.Comparison(arm="grpo_pooled", baseline="sft", task="t", stage="grpo", n=15, tied=0,
                            mean_arm=mean_arm, mean_baseline=mean_base, delta=mean_arm - mean_base, delta_pct=None,
                            p_value=p, p_holm=p, p_value_less=p_less, p_holm_less=p_less, p_value_scipy_default=p,
                            effect_size=0.0, ci95=(0.0, 0.0))


def diagnose(task="sql_qa", *, c, audit=AUDIT_OK, prompts=1000, trend=None, insensitive=0.0):
    return analysis.diagnose(task, comparison=c, alpha=0.05, audit=audit, train_prompts=prompts, trend=trend,
                             insensitive=insensitive)["verdict"]


FLAT = {"gain_first_to_best": 0.0, "best_at_last_eval": 0, "seeds": 3}
RISING = {"gain_first_to_best": 0.1, "best_at_last_eval": 2, "seeds": 3}


def test_branches():
    assert diagnose(c=comparison(0.6, p=0.001)) == "improved"
    assert diagnose(c=comparison(0.6, p=0.001), audit=AUDIT_FAILED) == "reward problem"  # a gain in a bad reward
    assert diagnose(c=comparison(0.4), audit=AUDIT_FAILED) == "reward problem"
    assert diagnose(c=comparison(0.25, mean_base=0.5, p=1.0, p_less=0.001)) == "worse"
    assert diagnose("extraction", c=comparison(0.1)) == "reward problem"  # Scenario C routing
    assert diagnose("sql_qa", c=comparison(0.1)) == "capacity ceiling"
    assert diagnose("insights", c=comparison(0.1)) == "data starvation"
    assert diagnose(c=comparison(0.4), insensitive=0.7) == "reward problem"
    assert diagnose(c=comparison(0.4), prompts=148, trend=FLAT) == "data starvation"
    assert diagnose(c=comparison(0.4), trend=RISING) == "data starvation"
    assert diagnose(c=comparison(0.4), trend=FLAT) == "capacity ceiling"
    assert analysis.diagnose("push", comparison=None, alpha=0.05, audit=None, train_prompts=None, trend=None,
                             insensitive=None)["verdict"] == "not evaluated"


def test_never_improved_unless_above_the_init_arm():
    # A small p with a negative mean difference (ranks and means disagree) is not an improvement.
    assert diagnose(c=comparison(0.29, mean_base=0.3, p=0.001)) != "improved"
    assert diagnose(c=comparison(0.3, mean_base=0.3, p=0.001)) != "improved"
    verdict = analysis.diagnose("sql_qa", comparison=comparison(0.2, mean_base=0.5, p=1.0, p_less=0.001),
                                alpha=0.05, audit=AUDIT_OK, train_prompts=1000, trend=None, insensitive=None)
    assert verdict["evidence"]["init_arm"] == "sft" and "GRPO is below sft" in verdict["reason"]


def record(text, reward):
    return {"task": "push", "completion": text, "reward": reward}


def test_insensitive_share_ignores_floor_ceiling_and_unchanged_text():
    init = {"a": record("x", 0.0), "b": record("y", 1.0), "c": record("z", 0.4), "d": record("w", 0.4)}
    tuned = {"a": record("x2", 0.0), "b": record("y2", 1.0), "c": record("z", 0.4), "d": record("w2", 0.4)}
    assert analysis.insensitive_share("push", init, [tuned]) == pytest.approx(0.25)
    assert analysis.insensitive_share("sql_qa", init, [tuned]) is None


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
