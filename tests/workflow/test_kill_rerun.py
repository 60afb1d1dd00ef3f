"""A run killed with ``kill -9`` mid-rule reruns with the README's command as written; a live run's
lock still stops a second run.

Before: after ``kill -9`` of the whole Snakemake tree (during pairs, reward_audit, evaluate,
select_best or report), every rerun stopped with "Directory cannot be locked" until ``--unlock``.
Here the fast test config's finished study is copied, its report removed, and the README's main
command started for real: killed (the whole process group, SIGKILL) once the report job has
marked its outputs incomplete, then run again as written. The same start, paused with SIGSTOP
instead, is a live run: a second run must be refused and leave its locks alone.
"""
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from snakemake_runner import REPO, run_snakemake, snakemake_executable

README_COMMAND = "snakemake --cores 1 --resources gpu=1"
TEST_CONFIG = ["--configfile", "tests/config/config.yaml"]


def test_the_readme_shows_the_command():
    assert README_COMMAND in (REPO / "README.md").read_text()


@pytest.fixture
def study(built_test_workflow, tmp_path) -> Path:
    """A copy of the finished test-config study whose report must be rebuilt."""
    wf = tmp_path / "wf"
    shutil.copytree(built_test_workflow, wf, symlinks=True)
    for name in ("final_report.md", "final_report.json"):
        (wf / "results" / name).unlink()
    return wf


def _start(wf: Path) -> subprocess.Popen:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.Popen([snakemake_executable(), *TEST_CONFIG, *shlex.split(README_COMMAND)[1:]], cwd=wf,
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_mid_rule(wf: Path, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Until a job has marked its outputs incomplete (it started and has not finished)."""
    incomplete = wf / ".snakemake" / "incomplete"
    deadline = time.monotonic() + timeout
    while not (incomplete.is_dir() and any(incomplete.iterdir())):
        assert proc.poll() is None, f"snakemake exited {proc.returncode} before any job started"
        assert time.monotonic() < deadline, "no job started"
        time.sleep(0.02)


def _rerun(wf: Path, *, check: bool):
    return run_snakemake([*TEST_CONFIG, *shlex.split(README_COMMAND)[1:]], wf, check=check)


def test_a_run_killed_mid_rule_reruns_as_written(study):
    proc = _start(study)
    _wait_mid_rule(study, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert any((study / ".snakemake" / "locks").iterdir())  # what the dead run left
    rerun = _rerun(study, check=True)
    assert "cannot be locked" not in rerun.stdout
    assert "no longer alive" in rerun.stdout
    assert (study / "results" / "final_report.md").is_file()
    assert not (study / ".snakemake" / "locks").exists() or not any((study / ".snakemake" / "locks").iterdir())


def test_a_live_runs_lock_is_respected(study):
    proc = _start(study)
    try:
        _wait_mid_rule(study, proc)
        os.killpg(proc.pid, signal.SIGSTOP)  # alive, holding its locks, doing nothing
        locks = sorted((study / ".snakemake" / "locks").iterdir())
        second = _rerun(study, check=False)
        assert second.returncode != 0 and "Directory cannot be locked" in second.stdout, second.stdout[-3000:]
        assert sorted((study / ".snakemake" / "locks").iterdir()) == locks
    finally:
        os.killpg(proc.pid, signal.SIGCONT)
    assert proc.wait(timeout=600) == 0
    assert (study / "results" / "final_report.md").is_file()
