"""Trainer logs → CSV: every metric TRL logs, one row per logging step."""
from __future__ import annotations

import logging
from pathlib import Path

from transformers import TrainerCallback

from commerce_grpo.files import write_csv

log = logging.getLogger(__name__)


def write_log_history(log_history: list[dict], path) -> None:
    """Write ``trainer.state.log_history`` as CSV (columns: step, then every key seen, sorted).

    Written from the trainer state, which a resumed run restores from its checkpoint, so the CSV
    of a killed-and-resumed run still starts at step 1.
    """
    rows = [entry for entry in log_history if "step" in entry]
    columns = ["step"] + sorted({key for row in rows for key in row} - {"step"})
    write_csv(path, rows, columns)


# The few numbers worth a line in the rule log at every step; the CSV holds all of them.
SUMMARY_KEYS = ("loss", "reward", "frac_reward_zero_std", "entropy", "completions/clipped_ratio", "step_time")


class MetricsCSVCallback(TrainerCallback):
    """Rewrites the CSV at every log, so a running job can be watched and a killed one inspected,
    and logs one concise line per step."""

    def __init__(self, path):
        self.path = Path(path)

    def on_log(self, args, state, control, logs=None, **kwargs):
        write_log_history(state.log_history, self.path)
        summary = ", ".join(f"{key} {logs[key]:.4g}" for key in SUMMARY_KEYS
                            if isinstance((logs or {}).get(key), (int, float)))
        if summary:
            log.info("step %d/%d: %s", state.global_step, state.max_steps, summary)
