"""What every rule script does first: its log keeps every attempt (a rerun appends under its own
timestamped header), its libraries use the rule's threads, a warning shows once, outputs are readable."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import logging, sys, types
sys.path.insert(0, {scripts!r})
from commerce_grpo.rule_logging import log_to_rule_file
log_to_rule_file(types.SimpleNamespace(log=[{log!r}], rule="pairs", threads=1, output=[]))
print("attempt says", {word!r})
logging.getLogger("x").info("logged %s", {word!r})
if {word!r} == "first":
    raise RuntimeError("killed half-way")
"""


def _attempt(log: Path, word: str) -> int:
    code = SCRIPT.format(scripts=str(ROOT / "scripts"), log=str(log), word=word)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode


def test_a_rerun_appends_under_a_new_header_and_keeps_the_failed_attempt(tmp_path):
    log = tmp_path / "logs" / "pairs.log"
    assert _attempt(log, "first") != 0
    assert _attempt(log, "second") == 0
    text = log.read_text()
    headers = [line for line in text.splitlines() if line.startswith("===== pairs: attempt started ")]
    assert len(headers) == 2 and all(" UTC" in h or "+00:00" in h for h in headers)
    assert "attempt says first" in text and "RuntimeError: killed half-way" in text
    assert "logged second" in text
    assert text.index("killed half-way") < text.index(headers[1]) < text.index("attempt says second")


JOB = """
import os, sys, types, warnings
sys.path.insert(0, {scripts!r})
from commerce_grpo.rule_logging import log_to_rule_file
log_to_rule_file(types.SimpleNamespace(log=[{log!r}], rule="sft", threads=3, output=[{out!r}]))
import torch
print("torch threads", torch.get_num_threads(), "OMP", os.environ["OMP_NUM_THREADS"])
for _ in range(4):
    with warnings.catch_warnings():  # what transformers does around generation: resets Python's memory
        pass
    warnings.warn("`is_gradient_checkpointing` is deprecated", FutureWarning)
os.makedirs({out!r})
with open(os.path.join({out!r}, "model.safetensors"), "w"):
    pass
os.chmod(os.path.join({out!r}, "model.safetensors"), 0o600)  # what safetensors leaves
"""


def test_a_job_uses_its_threads_shows_a_warning_once_and_leaves_readable_outputs(tmp_path):
    log, out = tmp_path / "sft.log", tmp_path / "adapter"
    code = JOB.format(scripts=str(ROOT / "scripts"), log=str(log), out=str(out))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "", "OMP_NUM_THREADS": "7"})
    assert proc.returncode == 0, proc.stderr
    text = log.read_text()
    assert "(pid " in text and "threads 3) =====" in text
    assert f"torch threads {min(3, os.cpu_count())} OMP 3" in text  # torch never exceeds the machine's cores
    assert text.count("is deprecated") == 1
    assert oct((out / "model.safetensors").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
