"""The run lock in one directory, across real processes: a dead holder's Snakemake locks are
removed, a live holder's are not (the pipeline-level test is tests/workflow/test_kill_rerun.py)."""
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
HOLD = f"""
import sys, time
sys.path.insert(0, {str(SCRIPTS)!r})
from commerce_grpo.run_lock import claim_workdir
claim_workdir(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


def _claim(workdir: Path) -> str:
    """What a fresh process's claim_workdir removes (the Snakefile's call, in a new Snakemake run)."""
    return subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(SCRIPTS)!r}); "
                           "from commerce_grpo.run_lock import claim_workdir; print(claim_workdir(sys.argv[1]))",
                           str(workdir)], capture_output=True, text=True, check=True).stdout.strip()


def _snakemake_locks(workdir: Path) -> None:
    locks = workdir / ".snakemake" / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    (locks / "0.input.lock").write_text("data/commerce.db\n")
    (locks / "0.output.lock").write_text("results/final_report.md\n")


def test_a_live_runs_locks_stay_and_a_dead_runs_are_removed(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        _snakemake_locks(tmp_path)
        assert _claim(tmp_path) == "[]"  # a live run: its locks stay
        assert len(list((tmp_path / ".snakemake" / "locks").iterdir())) == 2
    finally:
        holder.kill()  # SIGKILL: no cleanup runs
        holder.wait()
        holder.stdout.close()
    removed = _claim(tmp_path)
    assert "0.input.lock" in removed and "0.output.lock" in removed
    assert not (tmp_path / ".snakemake" / "locks").exists()
