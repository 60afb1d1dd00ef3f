"""The whole DAG, run for real on the fast test config: every stage leaves its artifact, the
report carries numbers from each, and Snakemake rebuilds exactly what a deletion invalidates."""
import json
import shutil

import yaml

from snakemake_runner import run_snakemake
from dag_stats import job_counts

SEEDS = (42, 123)  # tests/config/config.yaml
TEST_CONFIG = ["--configfile", "tests/config/config.yaml"]


def test_every_stage_leaves_its_artifact(built_test_workflow):
    wf = built_test_workflow
    expected = [
        "data/commerce.db",
        "results/pairs/train.jsonl", "results/pairs/validation.jsonl", "results/pairs/eval.jsonl",
        "results/pairs/stats.json",
        "results/models/base/base.json",
        "results/audit/reward_audit.json", "results/audit/reward_audit.md", "results/audit/passed",
        "results/audit/label_audit.json", "results/models/tokenizer_corpus.jsonl",
        "results/sft/adapter/adapter_config.json", "results/sft/metrics.csv",
        "results/eval/base.jsonl", "results/eval/sft.jsonl",
        "results/final_report.md", "results/final_report.json",
    ]
    for seed in SEEDS:
        expected += [f"results/grpo/seed{seed}/eval_history.csv",
                     f"results/grpo/seed{seed}/metrics.csv",
                     f"results/grpo/seed{seed}/best/best.json",
                     f"results/grpo/seed{seed}/best/adapter_config.json",
                     f"results/eval/grpo_seed{seed}.jsonl"]
    missing = [path for path in expected if not (wf / path).exists()]
    assert not missing, missing
    assert not any((wf / f"results/grpo/seed{seed}/work").exists() for seed in SEEDS)


def test_eval_records_follow_the_contract(built_test_workflow):
    eval_ids = [json.loads(line)["id"]
                for line in (built_test_workflow / "results/pairs/eval.jsonl").open()]
    for arm in ["base", "sft"] + [f"grpo_seed{seed}" for seed in SEEDS]:
        records = [json.loads(line)
                   for line in (built_test_workflow / f"results/eval/{arm}.jsonl").open()]
        assert [r["id"] for r in records] == eval_ids
        for record in records:
            assert set(record) >= {"id", "task", "arm", "completion", "reward", "components"}
            assert record["arm"] == arm
            assert 0.0 <= record["reward"] <= 1.0


def test_report_carries_numbers_from_every_stage(built_test_workflow):
    report = json.loads((built_test_workflow / "results/final_report.json").read_text())
    arms = {c["arm"] for c in report["comparisons"]}
    assert {"sft", "grpo_seed42", "grpo_seed123"} <= arms
    tasks = {c["task"] for c in report["comparisons"]}
    assert tasks == {"overall", "extraction", "sql_qa", "insights", "push"}
    overall = next(c for c in report["comparisons"]
                   if c["arm"] == "grpo_seed42" and c["baseline"] == "base"
                   and c["task"] == "overall")
    assert overall["n"] == 13  # 4 + 3 + 3 + 3 eval prompts
    markdown = (built_test_workflow / "results/final_report.md").read_text()
    assert "demo" in markdown.lower()
    for stage_word in ("Spearman", "SFT", "GRPO", "Entropy collapse", "Wilcoxon", "seed42", "seed123"):
        assert stage_word in markdown, stage_word


def test_a_second_run_has_nothing_to_do(built_test_workflow):
    proc = run_snakemake(["-n", *TEST_CONFIG], built_test_workflow)
    assert "Nothing to be done" in proc.stdout


def test_deleting_one_seed_rebuilds_only_its_branch(built_test_workflow, tmp_path):
    wf = tmp_path / "wf"
    shutil.copytree(built_test_workflow, wf, symlinks=True)  # copy2 keeps mtimes
    other = wf / "results/grpo/seed123/eval_history.csv"
    other_mtime = other.stat().st_mtime_ns
    sft_mtime = (wf / "results/sft/metrics.csv").stat().st_mtime_ns
    shutil.rmtree(wf / "results/grpo/seed42")

    counts = job_counts(run_snakemake(["-n", *TEST_CONFIG], wf).stdout)
    assert counts == {"all": 1, "grpo": 1, "select_best": 1, "evaluate": 1, "report": 1}

    proc = run_snakemake(["--cores", "2", "--resources", "gpu=1", *TEST_CONFIG], wf)
    assert job_counts(proc.stdout) == counts
    assert (wf / "results/grpo/seed42/best/best.json").exists()
    assert other.stat().st_mtime_ns == other_mtime
    assert (wf / "results/sft/metrics.csv").stat().st_mtime_ns == sft_mtime


def test_grpo_from_base_arm_is_trained_evaluated_and_reported(built_test_workflow, tmp_path):
    """The GRPO-from-base arm added to a finished study: only its branch runs."""
    wf = tmp_path / "wf"
    shutil.copytree(built_test_workflow, wf, symlinks=True)
    config = yaml.safe_load((wf / "tests/config/config.yaml").read_text())
    config["grpo_from_base"] = True
    config["seeds"] = [42]
    extra = wf / "from_base.yaml"
    extra.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = run_snakemake(["--cores", "2", "--resources", "gpu=1", "--configfile", str(extra)], wf)
    assert job_counts(proc.stdout) == {"all": 1, "grpo": 1, "select_best": 1, "evaluate": 1, "report": 1}
    assert "results/grpo_from_base/seed42/eval_history.csv" in proc.stdout
    best = json.loads((wf / "results/grpo_from_base/seed42/best/best.json").read_text())
    assert best["seed"] == 42
    report = json.loads((wf / "results/final_report.json").read_text())
    assert any(c["arm"] == "grpo_from_base_seed42" and c["baseline"] == "base"
               and c["task"] == "overall" for c in report["comparisons"])


def _records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_enabling_the_fifth_task_adds_its_pairs_eval_and_report_rows(built_test_workflow, tmp_path):
    """`--config` enabling listing_repair: its pairs, audit, eval stratum and report rows appear; the
    other tasks' pairs stay exactly as they were (issue 16), and the base model is not rebuilt (issue 25)."""
    wf = tmp_path / "wf"
    shutil.copytree(built_test_workflow, wf, symlinks=True)
    before = {split: _records(wf / f"results/pairs/{split}.jsonl") for split in ("train", "validation", "eval")}
    base_weights = (wf / "results/models/base/model.safetensors").stat().st_mtime_ns
    proc = run_snakemake(["--cores", "2", "--resources", "gpu=1", *TEST_CONFIG, "--config",
                          'tasks={"listing_repair": {"enabled": true}}', "seeds=[42]"], wf)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Enabled but not trained (not in sft.tasks, no grpo.task_mix weight): the run says so (issue 25).
    assert "tasks.listing_repair: enabled but no stage trains it" in proc.stdout
    for split, old in before.items():
        new = _records(wf / f"results/pairs/{split}.jsonl")
        assert sorted((r for r in new if r["task"] != "listing_repair"), key=lambda r: r["id"]) \
            == sorted(old, key=lambda r: r["id"]), split
        assert any(r["task"] == "listing_repair" for r in new), split
    assert (wf / "results/models/base/model.safetensors").stat().st_mtime_ns == base_weights
    audit = json.loads((wf / "results/audit/reward_audit.json").read_text())
    assert audit["passed"] and "listing_repair" in audit["tasks"]
    assert {r["task"] for r in _records(wf / "results/eval/grpo_seed42.jsonl")} >= {"listing_repair"}
    reports = wf / "results/report_seeds-42"  # one of the configured seeds: the full report stays
    report = json.loads((reports / "final_report.json").read_text())
    assert report["tasks"][-1] == "listing_repair"
    assert set(report["rewards"]["tasks"]["listing_repair"]["components"]) == {
        "structure", "edit_accuracy", "collateral", "format"}
    assert any(c["task"] == "listing_repair" and c["arm"] == "grpo_pooled" for c in report["comparisons"])
    assert "| listing_repair |" in (reports / "final_report.md").read_text()
