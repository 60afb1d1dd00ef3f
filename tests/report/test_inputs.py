"""Readers of other stages' artifacts and the arm grouping."""
import pytest

from commerce_grpo.report import analysis, audit_summary, inputs, train_prompts


def test_eval_history_wide_as_the_grpo_callback_writes_it(tmp_path):
    path = tmp_path / "eval_history.csv"
    path.write_text("step,reward,reward_extraction,reward_sql_qa,reward_insights,reward_push,extraction_json_valid_rate\n"
                    "0,0.2,0.1,0.2,0.3,,0.5\n10,0.4,0.3,0.4,0.5,0.6,0.7\n")
    history = inputs.read_eval_history(path)
    assert set(history["task"]) == {"overall", "extraction", "sql_qa", "insights", "push"}
    assert history[(history.task == "push")]["step"].tolist() == [10]  # empty cell dropped
    assert history[(history.task == "extraction")]["reward"].tolist() == [0.1, 0.3]


def test_eval_history_long_and_unusable(tmp_path):
    long = tmp_path / "long.csv"
    long.write_text("step,task,reward\n5,push,0.4\n")
    assert inputs.read_eval_history(long).to_dict("records") == [{"step": 5, "task": "push", "reward": 0.4}]
    bad = tmp_path / "bad.csv"
    bad.write_text("step,loss\n1,2.0\n")
    with pytest.raises(ValueError, match="bad.csv: no per-task reward columns"):
        inputs.read_eval_history(bad)


def test_benchmarks_summed_per_job(tmp_path):
    (tmp_path / "grpo").mkdir()
    (tmp_path / "grpo" / "seed1.tsv").write_text("s\th:m:s\n2.5\t0:00:02\n1.5\t0:00:01\n")
    (tmp_path / "broken.tsv").write_text("nothing useful\n")
    assert inputs.read_benchmarks(tmp_path) == {"grpo/seed1": 4.0}


def test_audit_summary_reads_the_audit_format_and_others():
    audit = {"gate": {"min_spearman": 0.6, "passed": True},
             "spearman": {"push": {"n": 5, "rho": 0.4}, "sql_qa": {"n": 5, "rho": None}}}
    summary = audit_summary(audit, ["push", "sql_qa"], {})
    assert summary["gate"] == 0.6 and summary["passed"] is True
    assert summary["per_task"]["push"] == {"spearman": 0.4, "n": 5, "passed": False}
    assert summary["per_task"]["sql_qa"]["spearman"] is None
    flat = audit_summary({"push": 0.9}, ["push"], {"audit": {"min_spearman": 0.5}})
    assert flat["per_task"]["push"]["passed"] is True and flat["gate"] == 0.5


def test_train_prompts_from_stats_else_config():
    assert train_prompts({"counts": {"train": {"push": 148}}}, {}, "push") == 148
    assert train_prompts({}, {"pairs": {"train": {"push": 100}, "scale": 3.5}}, "push") == 350
    assert train_prompts({}, {}, "push") is None


def test_arms_grouped_by_recipe_and_pooled():
    record = lambda i, r: {"id": i, "task": "push", "reward": r, "completion": ""}  # noqa: E731
    evals = {arm: {"a": record("a", r), "b": record("b", r)} for arm, r in
             [("base", 0.1), ("grpo_seed2", 0.3), ("grpo_seed1", 0.5), ("grpo_from_base_seed1", 0.2)]}
    arms = analysis.Arms.from_records(evals)
    assert arms.groups == {"grpo": {1: "grpo_seed1", 2: "grpo_seed2"}, "grpo_from_base": {1: "grpo_from_base_seed1"}}
    assert arms.main_group == "grpo"
    assert arms.scores["grpo_pooled"]["push"] == pytest.approx({"a": 0.4, "b": 0.4})
    assert ("grpo_from_base_pooled", "base") in analysis.families(arms)


def test_sft_metrics_keep_the_loss_curves_only(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("step,epoch,eval_loss,learning_rate,loss,train_loss\n1,0.5,,0.002,3.0,\n2,1.0,2.7,,,\n2,1.0,,,,2.9\n")
    assert list(inputs.read_sft_metrics(path).columns) == ["step", "eval_loss", "loss"]
    assert inputs.read_sft_metrics(tmp_path / "absent.csv") is None
