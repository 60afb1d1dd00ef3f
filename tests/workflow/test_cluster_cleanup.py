"""A test session that starts the local SLURM cluster stops it when it ends, even when its tests
fail: the README's test command once left slurmctld, slurmd and munged running after the suite.

Runs a real pytest session in a subprocess with the suite's own conftest (its ``slurm_cluster``
fixture and last check) on one failing test that uses the cluster, then looks for the daemons.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slurm_cluster import running_daemons

TESTS = Path(__file__).resolve().parents[1]
PROBE = '''
def test_fails_while_the_cluster_is_up(slurm_cluster):
    raise AssertionError("fails on purpose: the finaliser must still stop the daemons")
'''


@pytest.mark.slurm
def test_a_session_that_starts_the_cluster_stops_it_even_when_its_tests_fail(tmp_path):
    if running_daemons():
        pytest.skip("SLURM daemons are already running (started outside this test, e.g. by .ci/run): "
                    "a session leaves those alone, so there is nothing to observe")
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent / "scripts"),
                                                         os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q",
                           "-rs", str(probe)], cwd=tmp_path, env=env, text=True, capture_output=True, timeout=1200)
    if "no local SLURM cluster" in proc.stdout:
        pytest.skip(proc.stdout.strip().splitlines()[-2])
    assert proc.returncode == 1 and "1 failed" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "left running" not in proc.stderr
    assert not running_daemons(), running_daemons()
