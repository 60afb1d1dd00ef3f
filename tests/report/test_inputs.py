"""Strict readers of other stages' artifacts: a wrong file is an error naming it."""
import json

import pytest

from commerce_grpo.report import inputs, plan
from commerce_grpo.report.scores import Arms
from commerce_grpo.report.build import build_report
from commerce_grpo.train.validation import history_columns


def test_eval_history_as_the_grpo_callback_writes_it(tmp_path):
    columns = history_columns(["extraction", "sql_qa", "insights", "push"])
    rows = [dict.fromkeys(columns, "") | {"step": 0, "reward": 0.2, "reward_extraction": 0.1, "reward_sql_qa": 0.2,
                                          "reward_insights": 0.3},
            dict.fromkeys(columns, "") | {"step": 10, "reward": 0.4, "reward_extraction": 0.3, "reward_sql_qa": 0.4,
                                          "reward_insights": 0.5, "reward_push": 0.6}]
    path = tmp_path / "eval_history.csv"
    path.write_text(",".join(columns) + "\n" + "".join(",".join(str(r[c]) for c in columns) + "\n" for r in rows))
    history = inputs.read_eval_history(path)
    assert set(history["task"]) == {"overall", "extraction", "sql_qa", "insights", "push"}
    assert history[(history.task == "push")]["step"].tolist() == [10]  # empty cell dropped
    assert history[(history.task == "extraction")]["reward"].tolist() == [0.1, 0.3]


def test_eval_history_of_a_run_of_fewer_tasks(tmp_path):
    """A run of two tasks writes their columns only; the reader reads the tasks the file names."""
    columns = history_columns(["sql_qa", "push"])
    path = tmp_path / "eval_history.csv"
    row = dict.fromkeys(columns, "") | {"step": 0, "reward": 0.2, "reward_sql_qa": 0.1, "reward_push": 0.3}
    path.write_text(",".join(columns) + "\n" + ",".join(str(row[c]) for c in columns) + "\n")
    assert sorted(inputs.read_eval_history(path)["task"]) == ["overall", "push", "sql_qa"]


@pytest.mark.parametrize("text", [
    "step,task,reward\n5,push,0.4\n",  # a long table: another writer's layout
    "step,reward,reward_returns_triage,n_prompts,eval_seconds\n1,0.2,0.3,8,1.0\n",  # a task nobody registered
    # Registry order is the writer's order: push before sql_qa is another writer.
    "step,reward,reward_push,reward_sql_qa,sql_qa_exec_match_rate,n_prompts,eval_seconds\n1,0.2,0.3,0.1,0.0,8,1.0\n",
    "step,reward,eval/extraction\n1,0.2,0.3\n",
    "step,loss\n1,2.0\n",
])
def test_eval_history_of_another_layout_is_an_error(tmp_path, text):
    path = tmp_path / "wrong.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match="wrong.csv: eval history columns"):
        inputs.read_eval_history(path)


def test_benchmarks_summed_per_job_and_strict(tmp_path):
    (tmp_path / "grpo").mkdir()
    (tmp_path / "grpo" / "seed1.tsv").write_text("s\th:m:s\n2.5\t0:00:02\n1.5\t0:00:01\n")
    (tmp_path / "pairs.tsv").write_text("s\th:m:s\n3\t0:00:03\n")
    assert inputs.read_benchmarks([tmp_path / "grpo" / "seed1.tsv", tmp_path / "pairs.tsv"]) == {
        "grpo/seed1": 4.0, "pairs": 3.0}
    (tmp_path / "broken.tsv").write_text("nothing useful\n")
    with pytest.raises(ValueError, match="broken.tsv: a Snakemake benchmark file has an 's' column"):
        inputs.read_benchmarks([tmp_path / "pairs.tsv", tmp_path / "broken.tsv"])


def test_best_json_must_be_an_object(tmp_path):
    (tmp_path / "best.json").write_text("[1]")
    with pytest.raises(ValueError, match="best.json: best.json is a JSON object"):
        inputs.read_best(tmp_path)
    with pytest.raises(ValueError, match="absent/best.json: cannot read"):
        inputs.read_best(tmp_path / "absent")


def test_sft_metrics_keep_the_loss_curves_only(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("step,epoch,eval_loss,learning_rate,loss,train_loss\n1,0.5,,0.002,3.0,\n2,1.0,2.7,,,\n2,1.0,,,,2.9\n")
    assert list(inputs.read_sft_metrics(path).columns) == ["step", "eval_loss", "loss"]
    path.write_text("epoch,learning_rate\n1,0.1\n")
    with pytest.raises(ValueError, match="metrics.csv: SFT metrics need a step"):
        inputs.read_sft_metrics(path)


@pytest.mark.parametrize(("key", "edit", "message"), [
    # The old audit layout the report used to hunt through.
    ("audit", lambda d: {"gate": {"min_spearman": 0.6, "passed": True}, "spearman": {"push": {"rho": 0.8}}},
     "reward_audit.json: missing key 'preset'"),
    ("audit", lambda d: {**d, "tasks": {k: v for k, v in d["tasks"].items() if k != "push"}},
     "reward_audit.json: missing key 'tasks.push'"),
    ("pairs_stats", lambda d: {k: v for k, v in d.items() if k != "source"}, "stats.json: pair stats lack key 'source'"),
    ("pairs_stats", lambda d: {**d, "source": "csv"}, "stats.json: key 'source' is 'csv'"),
])
def test_a_wrong_audit_or_stats_file_stops_the_report_naming_it(report_inputs, key, edit, message):
    path = report_inputs[key]
    with open(path) as handle:
        data = json.load(handle)
    with open(path, "w") as handle:
        json.dump(edit(data), handle)
    with pytest.raises(ValueError, match=message):
        build_report(**report_inputs)


def test_a_wrong_meta_file_stops_the_report_naming_it(report_inputs):
    path = report_inputs["metas"][0]
    with open(path, "w") as handle:
        json.dump({"device": "cpu", "backend": "hf"}, handle)
    with pytest.raises(ValueError, match=r"base.meta.json: eval meta lacks"):
        build_report(**report_inputs)


def test_arms_grouped_by_run_and_pooled():
    record = lambda i, r: {"id": i, "task": "push", "reward": r, "completion": ""}  # noqa: E731
    evals = {arm: {"a": record("a", r), "b": record("b", r)} for arm, r in
             [("base", 0.1), ("sft", 0.2), ("grpo_seed2", 0.3), ("grpo_seed1", 0.5), ("grpo_from_base_seed1", 0.2)]}
    arms = Arms.from_records(evals)
    assert arms.groups == {"grpo": {1: "grpo_seed1", 2: "grpo_seed2"}, "grpo_from_base": {1: "grpo_from_base_seed1"}}
    assert arms.main_group == "grpo"
    assert arms.scores["grpo_pooled"]["push"] == pytest.approx({"a": 0.4, "b": 0.4})
    families = plan.families(arms, "sft")
    assert ("grpo_from_base_pooled", "base", "grpo") in families
    assert ("grpo_pooled", "sft", "grpo") in families and ("grpo_pooled", "base", "sft+grpo") in families
    with pytest.raises(ValueError, match="'dpo_seed1' is not an arm name"):
        Arms.from_records({**evals, "dpo_seed1": evals["base"]})
