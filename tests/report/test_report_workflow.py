"""The report traced to the run that made it, on a real Snakemake run of the fast test config: the
effective config rebuilds the same report, a subset of the seeds never replaces the full report, and
`snakemake --report` reads only config keys that exist."""
import json
import shlex
import shutil

import yaml

from dag_stats import job_counts
from snakemake_runner import run_snakemake

TEST_CONFIG = ["--configfile", "tests/config/config.yaml"]
RUN = ["--cores", "1", "--resources", "gpu=1"]


def _copy(built, tmp_path):
    wf = tmp_path / "wf"
    shutil.copytree(built, wf, symlinks=True)  # copy2 keeps mtimes: nothing looks outdated
    return wf


def test_the_effective_config_rebuilds_the_same_report(built_test_workflow, tmp_path):
    wf = _copy(built_test_workflow, tmp_path)
    before = (wf / "results/final_report.json").read_text()
    report = json.loads(before)
    effective = yaml.safe_load((wf / "results/config.effective.yaml").read_text())
    assert effective["seeds"] == [42, 123] and effective["evaluate"]["samples_per_prompt"] == 2
    assert report["rebuild_command"] == (
        "snakemake --cores 1 --resources gpu=1 --configfile results/config.effective.yaml")
    words = shlex.split(report["rebuild_command"])
    assert "Nothing to be done" in run_snakemake(["-n", *words[1:]], wf).stdout
    run_snakemake(["--forcerun", "report", *words[1:]], wf)
    assert (wf / "results/final_report.json").read_text() == before  # same config hash, same numbers


def test_a_subset_of_the_seeds_does_not_overwrite_the_full_report(built_test_workflow, tmp_path):
    wf = _copy(built_test_workflow, tmp_path)
    full = {name: (wf / "results" / name).read_bytes() for name in ("final_report.md", "final_report.json")}
    proc = run_snakemake([*RUN, *TEST_CONFIG, "--config", "seeds=[123]"], wf)
    assert job_counts(proc.stdout) == {"all": 1, "report": 1}
    assert {name: (wf / "results" / name).read_bytes() for name in full} == full
    subset = wf / "results/report_seeds-123"
    banner = (subset / "final_report.md").read_text().splitlines()[1]
    assert "seeds 123 — **a subset of the configured seeds 42, 123**" in banner
    report = json.loads((subset / "final_report.json").read_text())
    assert report["seeds"] == {"run": [123], "configured": [42, 123], "subset": True}
    assert report["rebuild_command"].endswith(
        "--configfile results/report_seeds-123/config.effective.yaml --config 'seeds=[123]'")
    words = shlex.split(report["rebuild_command"])
    assert "Nothing to be done" in run_snakemake(["-n", *words[1:]], wf).stdout


def test_snakemake_report_intro_carries_the_runs_numbers(built_test_workflow, tmp_path):
    wf = _copy(built_test_workflow, tmp_path)
    html = tmp_path / "report.html"
    run_snakemake([*TEST_CONFIG, "--report", str(html)], wf)
    text = html.read_text()
    start = text.index("var workflow_desc = ") + len("var workflow_desc = ")
    intro = json.loads(text[start:text.index("\n", start)].rstrip(";"))
    words = " ".join(intro.split())
    # tests/config/config.yaml: eval 4 + 3 + 3 + 3 over the four enabled tasks, k = 2, seeds 42 and 123.
    assert "tasks (extraction, sql_qa, insights, push)" in words
    assert "evaluated on 13 stratified prompts × 2 samples each, for 2 GRPO seeds" in words
    assert "primary grpo_vs_init, two-sided, α 0.05" in words
