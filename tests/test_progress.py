"""Progress lines: step, rate and ETA at a steady cadence, in the log and on the terminal (issue 25)."""
import subprocess
import sys
from pathlib import Path

from commerce_grpo.progress import Progress

ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_lines_come_at_a_steady_cadence_with_rate_and_eta(capsys):
    clock = Clock()
    progress = Progress("sft", 100, every_s=10, clock=clock)
    progress.begin("torch threads 2")
    for step in range(1, 101):
        clock.now = step * 0.5  # 2 steps/s
        progress.update(step)
    lines = [line.split("] ", 1)[1] for line in capsys.readouterr().err.splitlines()]
    assert lines[0] == "sft: 100 steps, torch threads 2"
    assert lines[1] == "sft: step 1/100 (1%), 2.00 steps/s, elapsed 0 s, ETA 50 s"
    assert lines[2] == "sft: step 21/100 (21%), 2.00 steps/s, elapsed 10 s, ETA 40 s"
    assert lines[-1] == "sft: step 100/100 (100%), 2.00 steps/s, elapsed 50 s, done"
    assert [line.split()[2] for line in lines[1:]] == ["1/100", "21/100", "41/100", "61/100", "81/100", "100/100"]


def test_a_resumed_run_counts_its_rate_from_where_it_resumed(capsys):
    clock = Clock()
    progress = Progress("grpo seed 42", 1500, start=1000, every_s=60, clock=clock)
    progress.begin()
    clock.now = 540.0
    progress.update(1010)  # 10 steps in 9 minutes
    out = capsys.readouterr().err
    assert "grpo seed 42: 1500 steps, resuming at step 1000" in out
    assert "step 1010/1500 (67%), 54.0 s/step, elapsed 9 min 00 s, ETA 7 h 21 min" in out


def test_inside_a_rule_the_line_reaches_the_log_and_the_terminal(tmp_path):
    log = tmp_path / "grpo.log"
    code = f"""
import sys, types
sys.path.insert(0, {str(ROOT / "scripts")!r})
from commerce_grpo.rule_logging import log_to_rule_file
log_to_rule_file(types.SimpleNamespace(log=[{str(log)!r}], rule="grpo", threads=1, output=[]))
from commerce_grpo.progress import Progress
Progress("grpo seed 7", 3).update(1)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "grpo seed 7: step 1/3 (33%)" in proc.stderr  # the terminal Snakemake runs in
    assert "grpo seed 7: step 1/3 (33%)" in log.read_text()
