"""The SLURM profile, proven against a real SLURM controller (issue 7).

A single-node cluster (.ci/slurm-setup.sh: slurmctld + slurmd here, three fake GPUs, no
accounting database) runs the pipeline on the fast test config with three seeds through
`--profile profiles/slurm`, exactly as a user would on a login node. What sbatch carried is read
back from slurmctld itself. Where SLURM cannot start, the tests skip with the reason.

The dry-run tests below need no cluster: they check what the profile asks SLURM for.
"""
import subprocess
from pathlib import Path

import pytest
import yaml

from planned_jobs import planned_jobs
from slurm_cluster import jobs_in
from snakemake_runner import copy_workflow, run_snakemake

SEEDS = (42, 123, 456)
GPU_RULES = ("base_model", "sft", "grpo", "evaluate")
REPO = Path(__file__).resolve().parents[2]
PROFILE = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())
# What a user passes on a cluster without sacct history (ours has no accounting database).
SLURM_ARGS = ["--profile", "profiles/slurm", "--slurm-status-command", "squeue",
              "--slurm-init-seconds-before-status-checks", "2"]


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster, tmp_path_factory):
    """The whole DAG through SLURM, once: (workflow dir, Snakemake output, SLURM's job records)."""
    wf = copy_workflow(tmp_path_factory.mktemp("slurm") / "wf")
    try:
        proc = run_snakemake([*SLURM_ARGS, "--configfile", "tests/config/config.yaml",
                              "--config", f"seeds=[{','.join(map(str, SEEDS))}]"], wf)
        yield wf, proc.stdout, jobs_in(wf)
    finally:
        leftover = [str(job.job_id) for job in jobs_in(wf) if job.state in ("PENDING", "RUNNING")]
        if leftover:
            subprocess.run(["scancel", *leftover], check=False)


def _first_attempts(jobs, rule):
    """One job per wildcard value: the first submission (a failed job is resubmitted under the
    profile's `retries`, with a new SLURM id)."""
    first = {}
    for job in jobs:
        if job.rule == rule and job.wildcards not in first:
            first[job.wildcards] = job
    return first


@pytest.mark.slurm
def test_gpu_rules_reach_sbatch_with_one_gpu_and_cpus_per_gpu(slurm_run):
    _, _, jobs = slurm_run
    assert {rule: len(_first_attempts(jobs, rule)) for rule in ("sft", "grpo", "evaluate")} == {
        "sft": 1, "grpo": len(SEEDS), "evaluate": 2 + len(SEEDS)}
    # The plugin joins a job's wildcard values with "_": run, then seed.
    assert sorted(_first_attempts(jobs, "grpo")) == sorted(f"grpo_{seed}" for seed in SEEDS)
    for job in jobs:
        if job.rule not in GPU_RULES:
            continue
        assert job.gpus == 1, f"{job.rule} {job.wildcards}: {job.tres_per_job or 'no GPU request'}"
        # --cpus-per-gpu reached SLURM: no default `cpus_per_task` overrode it.
        cpus = PROFILE["set-resources"][job.rule]["cpus_per_gpu"]
        assert job.cpus_per_tres == f"gres:gpu:{cpus}", (job.rule, job.cpus_per_tres)
    for rule in GPU_RULES:
        completed = {job.wildcards for job in jobs if job.rule == rule and job.state == "COMPLETED"}
        assert completed == set(_first_attempts(jobs, rule)), (rule, completed)


@pytest.mark.slurm
def test_cpu_rules_request_no_gpu(slurm_run):
    _, _, jobs = slurm_run
    cpu_jobs = [job for job in jobs if job.rule not in GPU_RULES]
    assert cpu_jobs, "no CPU rule went through SLURM"
    assert all(job.gpus == 0 for job in cpu_jobs), [(j.rule, j.tres_per_job) for j in cpu_jobs]


@pytest.mark.slurm
def test_the_three_seeds_train_at_once_not_one_after_another(slurm_run):
    """Every seed's GRPO job was submitted before any of them ended: Snakemake's global `gpu`
    resource did not serialise them (profiles/default/ sets no `resources:`). SLURM then ran them
    side by side as GPUs allowed: the cluster's three GPUs are shared with the evaluate jobs, so
    a third GRPO job may wait for one; at least two must overlap."""
    _, _, jobs = slurm_run
    grpo = sorted(_first_attempts(jobs, "grpo").values(), key=lambda job: job.start)
    timeline = [(job.wildcards, job.submit, job.start, job.end) for job in grpo]
    first_end = min(job.end for job in grpo)
    assert max(job.submit for job in grpo) < first_end, timeline
    assert grpo[1].start < grpo[0].end, timeline


@pytest.mark.slurm
def test_the_report_is_built_through_slurm(slurm_run):
    wf, output, _ = slurm_run
    reports = "results/report_seeds-" + "-".join(map(str, SEEDS))  # not the test config's seeds
    for path in (f"{reports}/final_report.md", f"{reports}/final_report.json"):
        assert (wf / path).is_file(), path
    for seed in SEEDS:
        assert (wf / f"results/eval/grpo_seed{seed}.jsonl").is_file()
    assert "SLURM run ID" in output  # the slurm executor ran it, not the local one


def test_no_profile_sets_a_global_gpu_limit():
    """A `resources:` key (e.g. gpu=1) would queue the seeds one after another on SLURM. The
    workflow profile (profiles/default/, applied to every run from the repository root) overrides
    the SLURM profile key by key, so it may share a key only with the same value."""
    default = yaml.safe_load((REPO / "profiles/default/config.yaml").read_text())
    assert "resources" not in PROFILE and "resources" not in default
    overridden = {key for key in set(default) & set(PROFILE) if default[key] != PROFILE[key]}
    assert not overridden, overridden


def test_profile_never_defaults_cpus_per_task():
    """`cpus_per_task` in default-resources silently overrides `cpus_per_gpu` on GPU rules."""
    assert "cpus_per_task" not in PROFILE["default-resources"]
    for rule in GPU_RULES:
        assert PROFILE["set-resources"][rule]["cpus_per_gpu"] >= 1, rule


def test_real_recipe_dry_run_lists_jobs_and_resources(workflow):
    """`snakemake -n --profile profiles/slurm --configfile config/tucano2-0.5b.yaml`."""
    recipe = workflow / "config" / "tucano2-0.5b.yaml"
    assert recipe.is_file(), "config/tucano2-0.5b.yaml (the V4.2 recipe) is missing"
    config = yaml.safe_load(recipe.read_text())
    seeds, sft = config["seeds"], config["sft"]["enabled"]  # V4.2 itself trains no SFT
    proc = run_snakemake(["-n", "--profile", "profiles/slurm", "--configfile", str(recipe)],
                         workflow)
    jobs = [job for job in planned_jobs(proc.stdout) if job.rule != "all"]
    assert sorted(job.wildcards["seed"] for job in jobs if job.rule == "grpo") == sorted(
        map(str, seeds))
    arms = ["base"] + (["sft"] if sft else []) + [f"grpo_seed{seed}" for seed in seeds]
    assert sorted(job.wildcards["arm"] for job in jobs if job.rule == "evaluate") == sorted(arms)
    assert ("sft" in {job.rule for job in jobs}) == sft
    assert {"commerce_db", "pairs", "base_model", "reward_audit", "select_best", "report"} <= {
        job.rule for job in jobs}
    for job in jobs:
        wanted = {**PROFILE["default-resources"], **PROFILE["set-resources"].get(job.rule, {})}
        for key in ("runtime", "mem_mb", "cpus_per_gpu"):
            if key in wanted:
                assert job.resources.get(key) == str(wanted[key]), (job.label, key, job.resources)
        assert job.resources.get("gpu") == ("1" if job.rule in GPU_RULES else None), job.label
