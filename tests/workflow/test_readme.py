"""The README's commands, run as written."""
import json
import re
import sys
import time
from pathlib import Path

import pytest

from snakemake_runner import REPO, run_snakemake

README = (REPO / "README.md").read_text()


def readme_bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def setup_commands() -> tuple[str, str]:
    """The two set-up commands: install-and-run, then tests."""
    install_and_run, tests = (block.strip() for block in readme_bash_blocks()[:2])
    return install_and_run, tests


def test_ci_runs_the_readme_test_command():
    _, tests = setup_commands()
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert tests in ci, f"README test command {tests!r} is not a line of .ci/run"


def test_readme_install_command_pins_torch_first():
    install_and_run, _ = setup_commands()
    steps = install_and_run.split(" && ")
    assert steps[1].endswith("pip install torch==2.13.0")
    assert "pip install -e '.[test]'" in steps[2]


@pytest.mark.slow
def test_readme_run_command_builds_the_report_on_the_default_config(workflow):
    """Runs the pipeline part of the README's first command, verbatim, in a fresh clone copy;
    `.venv` points at the interpreter running the tests (the environment the install made)."""
    install_and_run, _ = setup_commands()
    run_part = install_and_run.split(" && ")[-1]
    assert run_part.startswith(".venv/bin/snakemake")
    (workflow / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    assert (workflow / ".venv/bin/snakemake").exists()

    start = time.monotonic()
    run_snakemake(None, workflow, shell_line=run_part, timeout=2400)
    minutes = (time.monotonic() - start) / 60
    print(f"README run command on the default config: {minutes:.1f} min wall time")

    report = json.loads((workflow / "results/final_report.json").read_text())
    arms = {c["arm"] for c in report["comparisons"]}
    assert {"sft", "grpo_seed42", "grpo_seed123", "grpo_seed456"} <= arms
    assert (workflow / "results/final_report.md").read_text().strip()
