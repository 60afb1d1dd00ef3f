"""Every benchmark runs, in its quick mode: none can rot unnoticed (one once died on an import
that had moved, and the README quoted numbers nobody could reproduce).

Parametrised over the benchmarks/ listing, so a new benchmark is covered without touching this
file, and one without a `--quick` mode fails here by name (a module whose name starts with "_",
such as `_quick.py`, is a shared helper, not a benchmark). Each runs in a fresh copy of the
workflow (as a user's clone), so nothing it writes lands in the repository.
"""
import shutil
import subprocess
import sys

import pytest

from snakemake_runner import REPO, copy_workflow

BENCHMARKS = sorted(path for path in (REPO / "benchmarks").glob("*.py") if not path.name.startswith("_"))


def test_there_are_benchmarks():
    assert BENCHMARKS, "benchmarks/ holds no *.py"


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda path: path.name)
def test_benchmark_runs_in_quick_mode(script, tmp_path):
    assert "--quick" in script.read_text(encoding="utf-8"), f"{script.name} has no --quick mode"
    clone = copy_workflow(tmp_path / "wf")
    shutil.copytree(REPO / "benchmarks", clone / "benchmarks", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, f"benchmarks/{script.name}", "--quick"], cwd=clone, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    assert proc.returncode == 0, f"{script.name} --quick failed ({proc.returncode}):\n{proc.stdout[-4000:]}"
    assert proc.stdout.strip(), f"{script.name} --quick printed nothing"
