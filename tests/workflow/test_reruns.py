"""Per-seed reruns: docs/usage.md's "Rerunning one seed" commands, run as written (issue 7).

The study lost two seeds to one VM shutdown; here a seed is rebuilt, restricted, retrained or
left failed without touching the others. Dry runs prove which jobs a command plans (seconds);
one real run proves `--keep-going` lets the other seed finish when one fails.
"""
import shlex
import shutil
import time

from planned_jobs import labels, planned_jobs
from snakemake_runner import REPO, run_snakemake

TEST_CONFIG = ["--configfile", "tests/config/config.yaml"]  # seeds 42 and 123
UPSTREAM = {"commerce_db", "pairs", "eval_pairs", "tokenizer_corpus", "base_model", "reward_audit", "label_audit",
            "sft"}

BUILD_ONE_SEED = "snakemake --cores 1 --resources gpu=1 -- results/grpo/seed123/best"
ONLY_SOME_SEEDS = "snakemake --cores 1 --resources gpu=1 --config 'seeds=[123]'"
RETRAIN_ONE_SEED = "snakemake --cores 1 --resources gpu=1 -R results/grpo/seed123/metrics.csv"
RETRAIN_TO_BEST = "snakemake --cores 1 --resources gpu=1 --forcerun grpo -- results/grpo/seed123/best"
KEEP_GOING = "snakemake --cores 1 --resources gpu=1 --keep-going"
# docs/usage.md's "override one nested key" line.
ONE_NESTED_KEY = """snakemake --cores 1 --resources gpu=1 --config 'grpo={"max_steps": 30}'"""
COMMANDS = [BUILD_ONE_SEED, ONLY_SOME_SEEDS, RETRAIN_ONE_SEED, RETRAIN_TO_BEST, KEEP_GOING,
            ONE_NESTED_KEY]


def _args(command: str, *extra: str) -> list[str]:
    """The documented line's arguments with `extra` (-n, the test config) put before them, so a
    trailing target or `-R` list stays where the guide has it."""
    words = shlex.split(command)
    assert words[0] == "snakemake"
    return [*extra, *TEST_CONFIG, *words[1:]]


def _plan(command: str, workflow) -> set[str]:
    return labels(planned_jobs(run_snakemake(_args(command, "-n"), workflow).stdout))


def test_the_usage_guide_shows_exactly_these_commands():
    usage = (REPO / "docs" / "usage.md").read_text()
    missing = [command for command in COMMANDS if command not in usage]
    assert not missing, f"docs/usage.md lacks: {missing}"


def test_one_seeds_branch_builds_only_that_seed(workflow):
    assert _plan(BUILD_ONE_SEED, workflow) == UPSTREAM | {
        "grpo[run=grpo,seed=123]", "select_best[run=grpo,seed=123]"}


def test_restricting_seeds_trains_only_those(workflow, built_test_workflow):
    fresh = _plan(ONLY_SOME_SEEDS, workflow)
    assert {job for job in fresh if "seed" in job} == {
        "grpo[run=grpo,seed=123]", "select_best[run=grpo,seed=123]", "evaluate[arm=grpo_seed123]"}
    # On a finished study nothing retrains: only the report is redone over the chosen seeds.
    assert _plan(ONLY_SOME_SEEDS, built_test_workflow) == {"report"}


def test_retraining_one_seed_leaves_the_others_alone(built_test_workflow):
    assert _plan(RETRAIN_ONE_SEED, built_test_workflow) == {
        "grpo[run=grpo,seed=123]", "select_best[run=grpo,seed=123]", "evaluate[arm=grpo_seed123]", "report"}
    assert _plan(RETRAIN_TO_BEST, built_test_workflow) == {
        "grpo[run=grpo,seed=123]", "select_best[run=grpo,seed=123]"}


def test_one_nested_key_reruns_exactly_what_reads_it(built_test_workflow):
    """The override reaches the `grpo` rule's params (a params change is a rerun trigger): every
    seed retrains and what follows from it is redone; data, audit and SFT stay."""
    seeds = [42, 123]
    assert _plan(ONE_NESTED_KEY, built_test_workflow) == {
        "report",
        *(f"grpo[run=grpo,seed={seed}]" for seed in seeds),
        *(f"select_best[run=grpo,seed={seed}]" for seed in seeds),
        *(f"evaluate[arm=grpo_seed{seed}]" for seed in seeds)}


def test_a_failed_seed_does_not_block_the_other(built_test_workflow, tmp_path):
    """Both seeds never ran (the study's VM shut down first): no GRPO run, no evaluation, no
    report. Seed 42 now fails, seed 123 still finishes, and Snakemake names what is missing."""
    wf = tmp_path / "wf"
    shutil.copytree(built_test_workflow, wf, symlinks=True)  # copy2 keeps mtimes
    for seed in (42, 123):
        shutil.rmtree(wf / f"results/grpo/seed{seed}")
        (wf / f"results/eval/grpo_seed{seed}.jsonl").unlink()
    for report in ("final_report.md", "final_report.json"):
        (wf / "results" / report).unlink()
    # GRPO keeps its checkpoints under work/; a file there makes seed 42 fail at its first write.
    (wf / "results/grpo/seed42").mkdir()
    (wf / "results/grpo/seed42/work").write_text("not a directory")

    started = time.time()
    proc = run_snakemake(_args(KEEP_GOING), wf, check=False)

    assert proc.returncode != 0
    assert (wf / "results/grpo/seed123/best/best.json").is_file(), proc.stdout[-3000:]
    assert (wf / "results/eval/grpo_seed123.jsonl").stat().st_mtime >= started
    assert not (wf / "results/grpo/seed42/eval_history.csv").exists()
    assert not (wf / "results/final_report.md").exists()
    assert "Error in rule grpo" in proc.stdout and "seed42" in proc.stdout
    # What is left to do is exactly seed 42's branch and the report.
    (wf / "results/grpo/seed42/work").unlink()
    assert _plan("snakemake --cores 1 --resources gpu=1", wf) == {
        "grpo[run=grpo,seed=42]", "select_best[run=grpo,seed=42]", "evaluate[arm=grpo_seed42]", "report"}
