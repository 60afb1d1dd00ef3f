"""Fixtures shared by the whole suite."""
from pathlib import Path

import pytest

from snakemake_runner import copy_workflow, run_snakemake


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
