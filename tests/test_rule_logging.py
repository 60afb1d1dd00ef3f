"""Rule logs keep every attempt: a rerun appends under its own timestamped header."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import logging, sys, types
sys.path.insert(0, {scripts!r})
from commerce_grpo.rule_logging import log_to_rule_file
log_to_rule_file(types.SimpleNamespace(log=[{log!r}], rule="pairs"))
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
