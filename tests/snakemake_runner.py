"""Copies of the workflow and a runner for real Snakemake processes (no mocks: the DAG is what
users run). Importable from any test: tests/ is on pytest's pythonpath."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_CONFIG = REPO / "tests" / "config" / "config.yaml"
# What a user's clone holds that the workflow needs; results/ and data/commerce.db are rebuilt.
WORKFLOW_PATHS = ["Snakefile", "rules", "scripts", "config", "report", "profiles", "envs",
                  "data/audit", "data/judge", "data/labeller", "data/real_review_stats.json", "tests/config"]


def snakemake_executable() -> str:
    """The `snakemake` beside the running interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "snakemake"
    return str(beside) if beside.exists() else shutil.which("snakemake")


def copy_workflow(dest: Path) -> Path:
    for rel in WORKFLOW_PATHS:
        src = REPO / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def run_snakemake(args, cwd: Path, *, check=True, timeout=1800, shell_line=None):
    """Run Snakemake for real in `cwd`; return the CompletedProcess (stdout+stderr merged)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    cmd = shell_line if shell_line is not None else [snakemake_executable(), *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, shell=shell_line is not None, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    if check and proc.returncode != 0:
        logs = "\n".join(f"--- {p}\n{p.read_text()[-3000:]}"
                         for p in sorted((cwd / "results" / "logs").rglob("*.log")))
        pytest.fail(f"snakemake {args or shell_line} failed ({proc.returncode}):\n"
                    f"{proc.stdout[-6000:]}\n{logs}")
    return proc
