"""A real `python -m commerce_grpo.judge_server` on a free port, and the tiny model it serves, for
the tests that call it over HTTP (the judge reward and the LLM labeller share the server)."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def tiny_server_base(root: Path, **model: object) -> Path:
    """The embedded tiny base, built the way the modeling tests build it, with 2 pretraining steps
    (what it answers is not under test); ``model`` overrides model-section keys."""
    from modeling.tiny_fixtures import TINY_MODEL, make_inputs

    from commerce_grpo.modeling import build_base_model

    inputs = make_inputs(root / "inputs", train_counts={"extraction": 8, "sql_qa": 4, "insights": 4, "push": 4})
    base = root / "base"
    build_base_model(base, inputs={"db": inputs["db"], "train": inputs["train"]},
                     model={**TINY_MODEL, **model, "tiny": {**TINY_MODEL["tiny"], "pretrain_steps": 2}})
    return base


@contextlib.contextmanager
def judge_server(model: Path, name: str, tmp_path: Path, *, ready_within_s: float = 60):
    """Yield (process, "http://host:port") once the server wrote its address; killed on exit."""
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "commerce_grpo.judge_server", "--model", str(model),
                             "--port", "0", "--name", name, "--ready-file", str(ready)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + ready_within_s
        while not (ready.exists() and ready.read_text().strip()):
            if proc.poll() is not None:
                pytest.fail(f"judge server exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"judge server not ready within {ready_within_s:g} s")
            time.sleep(0.1)
        yield proc, f"http://{ready.read_text().strip()}"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stderr.close()
