"""The handoff's decision tree, branch by branch."""
import pytest

from commerce_grpo import stats
from commerce_grpo.report import analysis


def comparison(mean_arm, mean_base=0.3, p=0.5):
    return stats.Comparison(arm="grpo_pooled", baseline="base", task="t", n=15, tied=0, mean_arm=mean_arm,
                            mean_baseline=mean_base, delta=mean_arm - mean_base, delta_pct=None, p_value=p,
                            p_holm=p, effect_size=0.0, ci95=(0.0, 0.0))


def diagnose(task="sql_qa", *, c, rho=0.9, prompts=1000, trend=None, insensitive=0.0):
    return analysis.diagnose(task, comparison=c, alpha=0.05, audit_rho=rho, audit_gate=0.6,
                             train_prompts=prompts, trend=trend, insensitive=insensitive)["verdict"]


FLAT = {"gain_first_to_best": 0.0, "best_at_last_eval": 0, "seeds": 3}
RISING = {"gain_first_to_best": 0.1, "best_at_last_eval": 2, "seeds": 3}


def test_branches():
    assert diagnose(c=comparison(0.6, p=0.001)) == "improved"
    assert diagnose(c=comparison(0.6, p=0.001), rho=0.1) == "reward problem"  # a gain in a bad reward is none
    assert diagnose(c=comparison(0.4), rho=0.3) == "reward problem"
    assert diagnose("extraction", c=comparison(0.1)) == "reward problem"  # Scenario C routing
    assert diagnose("sql_qa", c=comparison(0.1)) == "capacity ceiling"
    assert diagnose("insights", c=comparison(0.1)) == "data starvation"
    assert diagnose(c=comparison(0.4), insensitive=0.7) == "reward problem"
    assert diagnose(c=comparison(0.4), prompts=148, trend=FLAT) == "data starvation"
    assert diagnose(c=comparison(0.4), trend=RISING) == "data starvation"
    assert diagnose(c=comparison(0.4), trend=FLAT) == "capacity ceiling"
    assert analysis.diagnose("push", comparison=None, alpha=0.05, audit_rho=None, audit_gate=None,
                             train_prompts=None, trend=None, insensitive=None)["verdict"] == "not evaluated"


def record(text, reward):
    return {"task": "push", "completion": text, "reward": reward}


def test_insensitive_share_ignores_floor_ceiling_and_unchanged_text():
    base = {"a": record("x", 0.0), "b": record("y", 1.0), "c": record("z", 0.4), "d": record("w", 0.4)}
    tuned = {"a": record("x2", 0.0), "b": record("y2", 1.0), "c": record("z", 0.4), "d": record("w2", 0.4)}
    assert analysis.insensitive_share("push", base, [tuned]) == pytest.approx(0.25)
    assert analysis.insensitive_share("sql_qa", base, [tuned]) is None


def test_scenarios():
    def rows(means, p=0.5):
        return [stats.Comparison(**{**comparison(m, p=p).__dict__, "task": t}) for t, m in means.items()]

    tasks = ["extraction", "sql_qa"]
    a = rows({"extraction": 0.7, "sql_qa": 0.5, "overall": 0.6})
    assert analysis.scenario(a, "grpo_pooled", tasks, 0.05)["scenario"] == "A"
    b = rows({"extraction": 0.17, "sql_qa": 0.5, "overall": 0.4})
    assert analysis.scenario(b, "grpo_pooled", tasks, 0.05)["scenario"] == "B"
    c = rows({"extraction": 0.17, "sql_qa": 0.5, "overall": 0.4}, p=0.001)
    assert analysis.scenario(c, "grpo_pooled", tasks, 0.05)["scenario"] == "C"
    none = rows({"extraction": 0.4, "sql_qa": 0.5, "overall": 0.45})
    assert analysis.scenario(none, "grpo_pooled", tasks, 0.05)["scenario"] is None
