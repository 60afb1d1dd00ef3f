"""The DAG's shape and its guards, checked with dry runs (seconds, no training)."""
import re

import yaml

from snakemake_runner import run_snakemake
from dag_stats import job_counts
from planned_jobs import labels, planned_jobs


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
    # The whole message on one screen: no schema or config dump (issue 25: 182 and 628 lines).
    assert len(proc.stdout.splitlines()) <= 15, proc.stdout[-3000:]
    assert not (workflow / "results" / "logs").exists(), "no job may start on a bad config"
    assert not (workflow / "data" / "commerce.db").exists()


def test_unknown_key_stops_before_any_job_naming_it(workflow):
    _assert_rejected(workflow, {"grpo": {"learnin_rate": 1e-5}}, "grpo.learnin_rate: unknown key",
                     "did you mean grpo.learning_rate?")


def test_unknown_nested_key_from_the_command_line_suggests_the_key(workflow):
    proc = run_snakemake(["-n", "--config", 'grpo={"max_step": 30}'], workflow, check=False)
    assert proc.returncode != 0
    assert "grpo.max_step: unknown key (value '30'); did you mean grpo.max_steps?" in proc.stdout
    assert len(proc.stdout.splitlines()) <= 15, proc.stdout[-3000:]


def test_unknown_top_level_key_suggests_the_key(workflow):
    _assert_rejected(workflow, {"seed": [123]}, "seed: unknown key (value [123]); did you mean seeds?")


def test_wrong_value_stops_before_any_job_naming_the_key(workflow):
    _assert_rejected(workflow, {"evaluate": {"temperature": -1}}, "temperature", "-1")


def test_wrong_type_stops_before_any_job_naming_the_key(workflow):
    _assert_rejected(workflow, {"grpo": {"max_steps": "many"}}, "grpo.max_steps: 'many'", "allowed: integer >= 1")


def test_grpo_from_sft_without_sft_is_rejected(workflow):
    _assert_rejected(workflow, {"sft": {"enabled": False}}, "grpo.init", "sft.enabled")


def test_grpo_from_base_arm_adds_a_seed_branch_without_sft(workflow):
    extra = workflow / "from_base_arm.yaml"
    extra.write_text(yaml.safe_dump({"grpo_from_base": True}))
    jobs = planned_jobs(run_snakemake(["-n", "--configfile", str(extra)], workflow).stdout)
    runs = [job.wildcards["run"] for job in jobs if job.rule == "grpo"]
    assert sorted(runs) == ["grpo"] * 3 + ["grpo_from_base"] * 3
    assert sum(job.rule == "select_best" for job in jobs) == 6
    assert sum(job.rule == "evaluate" for job in jobs) == 8  # base, sft, 3 × grpo_seed, 3 × grpo_from_base_seed
    one = labels(planned_jobs(run_snakemake(["-n", "--configfile", str(extra), "--",
                                             "results/grpo_from_base/seed42/best"], workflow).stdout))
    assert one == {"commerce_db", "pairs", "eval_pairs", "tokenizer_corpus", "base_model", "reward_audit", "label_audit",
                   "grpo[run=grpo_from_base,seed=42]", "select_best[run=grpo_from_base,seed=42]"}


def test_merge_serves_either_run(workflow):
    extra = workflow / "from_base_arm.yaml"
    extra.write_text(yaml.safe_dump({"grpo_from_base": True}))
    for run in ("grpo", "grpo_from_base"):
        plan = labels(planned_jobs(run_snakemake(["-n", "--configfile", str(extra), "--",
                                                  f"results/models/merged/{run}/seed42"], workflow).stdout))
        assert {f"merge[run={run},seed=42]", f"select_best[run={run},seed=42]"} <= plan
        assert ("sft" in plan) == (run == "grpo")


def test_one_nested_key_from_the_command_line(workflow):
    """Snakemake reads a `--config` mapping's values as strings and merges it key by key over
    config.yaml: the schema's types make `5` a number, and the rest of `grpo` stays."""
    proc = run_snakemake(["-n", "--config", 'grpo={"max_steps": 30}'], workflow)
    assert job_counts(proc.stdout)["grpo"] == 3
    # Fewer steps than eval_steps is fine: validation also runs at the last step.
    short = run_snakemake(["-n", "--config", 'grpo={"max_steps": 5}'], workflow)
    assert job_counts(short.stdout)["grpo"] == 3
    bad = run_snakemake(["-n", "--config", 'grpo={"max_steps": 0}'], workflow, check=False)
    assert bad.returncode != 0
    assert "0 is less than the minimum of 1" in bad.stdout, bad.stdout[-3000:]
    nested = run_snakemake(["-n", "--config", 'grpo={"eval_decoding": {"temperature": 0, "top_k": 5}}',
                            "grpo_from_base=true"], workflow)
    assert job_counts(nested.stdout)["grpo"] == 6


def test_grpo_from_base_arm_with_grpo_from_base_is_rejected(workflow):
    _assert_rejected(workflow, {"grpo_from_base": True, "grpo": {"init": "base"},
                                "sft": {"enabled": False}}, "grpo_from_base")


def test_every_rule_explains_itself_in_list_rules(workflow):
    """`snakemake --list-rules` is the DAG's table of contents: one line per rule (issue 25)."""
    lines = [line for line in run_snakemake(["--list-rules"], workflow).stdout.splitlines()
             if line and not line.startswith("Using ")]
    undocumented = [line for line in lines if not line.endswith(")")]
    assert len(lines) >= 13 and not undocumented, undocumented


def test_every_rule_declares_its_threads():
    """Each job's libraries are held to the rule's threads (rule_logging); a rule without
    `threads:` would get 1 whatever it does. `use rule` copies inherit them."""
    from snakemake_runner import REPO

    blocks = re.split(r"\n(?=rule \w+:|use rule )", "\n".join(
        p.read_text() for p in sorted((REPO / "rules").glob("*.smk"))))
    missing = [block.split(":")[0] for block in blocks if block.startswith("rule ") and "\n    threads:" not in block]
    assert not missing, missing


def test_every_rule_that_loads_a_model_asks_for_the_gpu(workflow):
    jobs = planned_jobs(run_snakemake(["-n", "--", "results/final_report.md", "results/models/merged/grpo/seed42"],
                                      workflow).stdout)
    gpu_rules = {job.rule for job in jobs if job.resources.get("gpu") == "1"}
    assert gpu_rules == {"base_model", "sft", "grpo", "evaluate", "merge"}


def test_a_wrong_hub_model_id_fails_in_base_model_naming_the_key(workflow):
    """Before, base_model "succeeded" writing base.json and the run died in evaluate after a
    minute of hub retries, never naming model.id (issue 25). No network here: offline mode."""
    proc = run_snakemake(None, workflow, check=False, shell_line=(
        """HF_HUB_OFFLINE=1 snakemake --cores 1 --config 'model={"id": "Qwen/Qwen9-does-not-exist"}' """
        """'sft={"full_parameter": false}' """  # full-parameter SFT is for the embedded model only
        "-- results/models/base"))
    assert proc.returncode != 0
    assert "Error in rule base_model" in proc.stdout
    assert "model.id: 'Qwen/Qwen9-does-not-exist' is not in model.cache_dir" in proc.stdout  # the log, shown
    assert not (workflow / "results/models/base").exists()
