"""The DAG's shape and its guards, checked with dry runs (seconds, no training)."""
import yaml

from snakemake_runner import run_snakemake
from dag_stats import job_counts


def test_lint_is_clean(workflow):
    proc = run_snakemake(["--lint"], workflow)
    assert "Congratulations, your workflow is in a good condition" in proc.stdout


def test_three_seeds_give_three_grpo_runs_and_five_arms(workflow):
    proc = run_snakemake(["-n", "--config", "seeds=[42,123,456]"], workflow)
    counts = job_counts(proc.stdout)
    assert counts["grpo"] == 3
    assert counts["select_best"] == 3
    assert counts["evaluate"] == 5  # base, sft, grpo_seed42/123/456
    assert counts["report"] == 1


def test_default_target_is_the_report(workflow):
    proc = run_snakemake(["-n", "--cores", "1", "--resources", "gpu=1"], workflow)
    assert "results/final_report.md" in proc.stdout
    assert job_counts(proc.stdout)["report"] == 1


def test_target_first_and_double_dash_forms_work(workflow):
    for args in (["-n", "results/final_report.md", "--cores", "1", "--resources", "gpu=1"],
                 ["-n", "--cores", "1", "--resources", "gpu=1", "--", "results/final_report.md"]):
        assert job_counts(run_snakemake(args, workflow).stdout)["report"] == 1


def test_target_after_resources_is_swallowed_by_snakemake_9(workflow):
    """Documents the trap the README warns about: the user's original line fails at parse time."""
    proc = run_snakemake(["-n", "--cores", "1", "--resources", "gpu=1", "results/final_report.md"],
                         workflow, check=False)
    assert proc.returncode != 0
    assert "dictionary update sequence element" in proc.stdout


def test_one_seed_from_the_command_line(workflow):
    counts = job_counts(run_snakemake(["-n", "--config", "seeds=[123]"], workflow).stdout)
    assert counts["grpo"] == 1 and counts["evaluate"] == 3


def test_grpo_from_base_skips_sft(workflow):
    bad = workflow / "from_base.yaml"
    bad.write_text(yaml.safe_dump({"sft": {"enabled": False}, "grpo": {"init": "base"}}))
    counts = job_counts(run_snakemake(["-n", "--configfile", str(bad)], workflow).stdout)
    assert "sft" not in counts
    assert counts["evaluate"] == 4  # base + three seeds


def _assert_rejected(workflow, override: dict, *needles: str):
    bad = workflow / "bad.yaml"
    bad.write_text(yaml.safe_dump(override))
    proc = run_snakemake(["--cores", "1", "--configfile", str(bad)], workflow, check=False)
    assert proc.returncode != 0
    for needle in needles:
        assert needle in proc.stdout, proc.stdout[-3000:]
    assert not (workflow / "results" / "logs").exists(), "no job may start on a bad config"
    assert not (workflow / "data" / "commerce.db").exists()


def test_unknown_key_stops_before_any_job_naming_it(workflow):
    _assert_rejected(workflow, {"grpo": {"learnin_rate": 1e-5}}, "learnin_rate")


def test_wrong_value_stops_before_any_job_naming_the_key(workflow):
    _assert_rejected(workflow, {"evaluate": {"temperature": -1}}, "temperature", "-1")


def test_wrong_type_stops_before_any_job_naming_the_key(workflow):
    _assert_rejected(workflow, {"grpo": {"max_steps": "many"}}, "max_steps", "many")


def test_grpo_from_sft_without_sft_is_rejected(workflow):
    _assert_rejected(workflow, {"sft": {"enabled": False}}, "grpo.init", "sft.enabled")


def test_grpo_from_base_arm_adds_a_seed_branch_without_sft(workflow):
    extra = workflow / "from_base_arm.yaml"
    extra.write_text(yaml.safe_dump({"grpo_from_base": True}))
    counts = job_counts(run_snakemake(["-n", "--configfile", str(extra)], workflow).stdout)
    assert counts["grpo"] == counts["grpo_from_base"] == 3
    assert counts["select_best_from_base"] == 3
    assert counts["evaluate"] == 8  # base, sft, 3 × grpo_seed, 3 × grpo_from_base_seed
    one = job_counts(run_snakemake(["-n", "--configfile", str(extra), "--",
                                    "results/grpo_from_base/seed42/best"], workflow).stdout)
    assert "sft" not in one and one["grpo_from_base"] == 1


def test_grpo_from_base_arm_with_grpo_from_base_is_rejected(workflow):
    _assert_rejected(workflow, {"grpo_from_base": True, "grpo": {"init": "base"},
                                "sft": {"enabled": False}}, "grpo_from_base")
