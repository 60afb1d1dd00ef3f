"""Fixtures shared by the whole suite, and the check it runs last: no SLURM daemon it started is
left running."""
import sys
import time
from pathlib import Path

import pytest

from judge_server_process import tiny_server_base
from readme_commands import run_part
from slurm_cluster import running_daemons, start_cluster, stop_daemons
from snakemake_runner import copy_workflow, run_snakemake

# The SLURM and munge daemons this session started (the slurm_cluster fixture's to stop).
_STARTED_DAEMONS: set = set()


@pytest.fixture
def workflow(tmp_path) -> Path:
    """A fresh copy of the workflow, as a user's clone would be."""
    return copy_workflow(tmp_path / "wf")


@pytest.fixture(scope="session")
def built_test_workflow(tmp_path_factory) -> Path:
    """The whole DAG built once, for real, on the fast test config; shared by read-only tests."""
    wf = copy_workflow(tmp_path_factory.mktemp("built") / "wf")
    run_snakemake(["--cores", "2", "--resources", "gpu=1", "--configfile",
                   "tests/config/config.yaml"], wf)
    return wf


@pytest.fixture(scope="session")
def readme_default_run(tmp_path_factory) -> tuple[Path, float]:
    """The README's run command, verbatim, in a fresh copy of the workflow (`.venv` pointing at the
    interpreter running the tests): (the workflow, its wall minutes). Run once per session; the
    README test checks its report, the default-run preflight test trains from its SFT adapter."""
    wf = copy_workflow(tmp_path_factory.mktemp("readme") / "wf")
    (wf / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    start = time.monotonic()
    run_snakemake(None, wf, shell_line=run_part(), timeout=2400)
    return wf, (time.monotonic() - start) / 60


@pytest.fixture(scope="session")
def tiny_judge_model(tmp_path_factory) -> Path:
    """What the local judge server serves in its tests."""
    return tiny_server_base(tmp_path_factory.mktemp("judge_model"))


@pytest.fixture(scope="session")
def slurm_cluster():
    """A local single-node SLURM cluster (.ci/slurm-setup.sh), started if it is not up; tests
    skip with the reason when it cannot start. The daemons this session started are stopped when
    the session ends, whatever the tests' outcome; daemons already running are left alone."""
    before = running_daemons()
    try:
        reason = start_cluster()
        _STARTED_DAEMONS.update(running_daemons() - before)
        if reason:
            pytest.skip(f"no local SLURM cluster: {reason}")
        yield
    finally:
        stop_daemons(_STARTED_DAEMONS)


def pytest_sessionfinish(session, exitstatus):
    """The last check of every run: a daemon this session started and did not stop fails it."""
    left = sorted(f"{d.name} (pid {d.pid})" for d in _STARTED_DAEMONS if d.alive())
    if left:
        print(f"\nthe test session started and left running: {', '.join(left)}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
