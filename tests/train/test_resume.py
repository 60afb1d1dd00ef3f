"""A GRPO job killed with SIGKILL and rerun continues from its last checkpoint (L-seeds: the study lost two
seeds to a VM shutdown)."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from train.train_fixtures import grpo_kwargs, grpo_section

DRIVER = """
import json, logging, sys
logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
from commerce_grpo.train.grpo import train_grpo
train_grpo(**json.load(open(sys.argv[1])))
"""
SCRIPTS = str(Path(__file__).parents[2] / "scripts")


def _run(args_file: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(args_file)], stdout=subprocess.DEVNULL,
                            stderr=open(log, "w"), env={**os.environ, "PYTHONPATH": SCRIPTS})


def _wait_for(path: Path, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"training ended (rc {process.returncode}) before {path} appeared"
        assert time.monotonic() < deadline, f"{path} did not appear in {timeout} s"
        time.sleep(0.05)


def test_kill_9_then_rerun_resumes_from_the_last_checkpoint(tiny_inputs, tiny_base, tmp_path):
    kwargs = grpo_kwargs(tiny_inputs, tiny_base, tmp_path, grpo_section(max_steps=16, save_steps=4, eval_steps=4, patience=100))
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps(kwargs, default=str))
    first = _run(args_file, tmp_path / "first.log")
    _wait_for(tmp_path / "work" / "trainer" / "checkpoint-4" / "trainer_state.json", first)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL
    assert not (tmp_path / "metrics.csv").exists()  # outputs only appear when training completes
    checkpoints = sorted((tmp_path / "work" / "trainer").glob("checkpoint-*"))
    resumed_step = int(checkpoints[-1].name.split("-")[1])
    assert resumed_step < 16

    second = _run(args_file, tmp_path / "second.log")
    assert second.wait(timeout=600) == 0, (tmp_path / "second.log").read_text()[-3000:]
    log = (tmp_path / "second.log").read_text()
    assert f"resuming from checkpoint {tmp_path / 'work' / 'trainer' / f'checkpoint-{resumed_step}'}" in log
    assert f"resumed at step {resumed_step}" in log
    assert "step 1/16" not in log  # no step before the checkpoint was trained again

    state = json.loads((tmp_path / "checkpoints" / "trainer_state.json").read_text())
    assert state["global_step"] == 16
    with open(tmp_path / "metrics.csv", newline="") as handle:
        steps = [int(row["step"]) for row in csv.DictReader(handle) if row["loss"]]
    assert steps == list(range(1, 17))  # the killed run's logged steps survive through the checkpoint
    with open(tmp_path / "eval_history.csv", newline="") as handle:
        assert [int(row["step"]) for row in csv.DictReader(handle)] == [0, 4, 8, 12, 16]
    assert not (tmp_path / "work").exists()
