"""Reruns as narrow as the change (issue 25): every rule's inputs are what it reads, and the audit
gate orders training without retraining when only the audit is redone.

On the finished test-config study, each change plans exactly the jobs that read what changed.
Before: deleting the eval pairs planned all 17 jobs (pretraining, SFT, every GRPO seed), and
enabling the judge retrained SFT, which waited on the audit's report file.
"""
import shutil

import pytest

from planned_jobs import labels, planned_jobs
from snakemake_runner import run_snakemake

TEST_CONFIG = ["--configfile", "tests/config/config.yaml"]  # seeds 42 and 123
SEEDS = (42, 123)
EVALUATIONS = {"evaluate[arm=base]", "evaluate[arm=sft]", *(f"evaluate[arm=grpo_seed{s}]" for s in SEEDS)}
GRPO_BRANCHES = {*(f"grpo[run=grpo,seed={s}]" for s in SEEDS), *(f"select_best[run=grpo,seed={s}]" for s in SEEDS),
                 *(f"evaluate[arm=grpo_seed{s}]" for s in SEEDS)}


def _plan(wf, *args) -> set[str]:
    return labels(planned_jobs(run_snakemake(["-n", *TEST_CONFIG, *args], wf).stdout))


@pytest.fixture
def study(built_test_workflow, tmp_path):
    """A copy of the finished study to change (copy2 keeps the mtimes Snakemake compares)."""
    wf = tmp_path / "wf"
    shutil.copytree(built_test_workflow, wf, symlinks=True)
    return wf


def test_deleting_the_eval_pairs_redraws_them_and_retrains_nothing(study):
    (study / "results/pairs/eval.jsonl").unlink()
    plan = {"eval_pairs", "reward_audit", *EVALUATIONS, "report"}
    assert _plan(study) == plan
    # Run it: afterwards nothing is left to do, although the gate was rewritten after training.
    run_snakemake(["--cores", "2", "--resources", "gpu=1", *TEST_CONFIG], study)
    assert "Nothing to be done" in run_snakemake(["-n", *TEST_CONFIG], study).stdout


def test_enabling_the_judge_redoes_the_audit_and_not_sft(study):
    """The dry run plans what it can see before the audit (a checkpoint) reruns; the rest is
    decided once it has: the next test runs a reward change for real."""
    proc = run_snakemake(["-n", *TEST_CONFIG, "--config", 'rewards={"judge": {"enabled": true}}'], study)
    plan = labels(planned_jobs(proc.stdout))
    assert {"reward_audit", "evaluate[arm=base]", "report"} <= plan and "sft" not in plan
    assert "checkpoint jobs, which will result in alteration of the DAG" in proc.stdout


def test_a_reward_change_retrains_grpo_and_reevaluates_but_never_sft(study):
    """Snakemake 9 skips the changed params of every job below one that reruns (here the audit),
    and ancient() then dropped them: GRPO stayed trained on the old reward. The audit is a
    checkpoint, so once it has run Snakemake decides again and retrains GRPO; SFT, which reads no
    reward, is left alone."""
    change = ["--config", 'rewards={"sql": {"timeout_s": 3.0}}', "seeds=[42]"]
    before = {path: (study / path).stat().st_mtime_ns for path in (
        "results/sft/metrics.csv", "results/grpo/seed42/metrics.csv", "results/eval/sft.jsonl",
        "results/models/base/model.safetensors")}
    run_snakemake(["--cores", "2", "--resources", "gpu=1", *TEST_CONFIG, *change], study)
    changed = {path for path, mtime in before.items() if (study / path).stat().st_mtime_ns != mtime}
    assert changed == {"results/grpo/seed42/metrics.csv", "results/eval/sft.jsonl"}
    assert "Nothing to be done" in run_snakemake(["-n", *TEST_CONFIG, *change], study).stdout


def test_an_eval_decoding_value_reruns_only_the_evaluations(study):
    assert _plan(study, "--config", 'evaluate={"temperature": 0.2}') == {*EVALUATIONS, "report"}


def test_a_grpo_value_reruns_only_the_grpo_branches(study):
    assert _plan(study, "--config", 'grpo={"learning_rate": 0.002}') == {*GRPO_BRANCHES, "report"}


def test_a_new_seed_trains_only_that_seed(study):
    assert _plan(study, "--config", "seeds=[42, 7]") == {
        "grpo[run=grpo,seed=7]", "select_best[run=grpo,seed=7]", "evaluate[arm=grpo_seed7]", "report"}


def test_a_redone_audit_orders_training_without_retraining(study):
    assert _plan(study, "--forcerun", "reward_audit") == {"reward_audit", "report"}


def test_enabling_a_task_rebuilds_neither_the_data_nor_the_base_model(study):
    """listing_repair enabled and trained as docs/usage.md shows: its pairs, SFT (its data grew),
    GRPO and the rest are redone; commerce.db, the tokenizer corpus and the base model are not."""
    plan = _plan(study, "--config", 'tasks={"listing_repair": {"enabled": true}}',
                 'sft={"tasks": ["extraction", "sql_qa", "insights", "push", "listing_repair"]}',
                 'grpo={"task_mix": {"listing_repair": 1}}')
    assert {"pairs", "eval_pairs", "sft", "report"} <= plan
    assert not plan & {"commerce_db", "tokenizer_corpus", "base_model"}
