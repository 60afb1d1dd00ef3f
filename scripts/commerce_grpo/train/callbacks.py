"""GRPO callbacks: validation eval with early stopping and best-adapter saving, and the preflight.

Seed 003: the study peaked at step 1100 and collapsed by 1500 (0.634 → 0.10), and GRPOTrainer has
no load_best_model_at_end, so the best adapter is saved the moment it is found and training stops
after ``patience`` evaluations without improvement. Its first run learned nothing because every
rollout was identical (generation_config temperature 0.1); the preflight makes that loud.
"""
from __future__ import annotations

import csv
import logging
import math
import re
import shutil
from pathlib import Path

from transformers import TrainerCallback

from commerce_grpo.files import write_csv
from commerce_grpo.train.validation import history_columns

log = logging.getLogger(__name__)

ADAPTER_DIR = re.compile(r"^step-(\d+)$")


class PreflightError(RuntimeError):
    """Training cannot learn from what the first steps show; the message says why and what to fix."""


def adapter_dir(root, step: int) -> Path:
    return Path(root) / f"step-{step}"


def read_history(path) -> list[dict]:
    """eval_history.csv rows with numbers parsed (empty cells become NaN)."""
    if not Path(path).exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return [{key: _number(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def _number(value: str):
    if value in ("", "nan", "NaN"):
        return math.nan
    number = float(value)
    return int(number) if number.is_integer() and "." not in value else number


class ValidationCallback(TrainerCallback):
    """Evaluates at step 0 and every ``eval_steps``; keeps eval_history.csv and the improving adapters.

    A resumed run drops the history rows and adapters newer than the checkpoint it resumes from
    (those steps are trained again), then rebuilds the best score and patience from what is left.
    """

    def __init__(self, evaluator, *, history_path, adapters_dir, eval_steps: int, patience: int):
        self.evaluator = evaluator
        self.history_path = Path(history_path)
        self.adapters_dir = Path(adapters_dir)
        self.eval_steps = eval_steps
        self.patience = patience
        self.rows: list[dict] = []
        self.stopped_early_at: int | None = None

    @property
    def best(self) -> dict | None:
        scored = [row for row in self.rows if not math.isnan(row["reward"])]
        return max(scored, key=lambda row: (row["reward"], -row["step"])) if scored else None

    def evals_since_best(self) -> int:
        best = self.best
        return 0 if best is None else sum(1 for row in self.rows if row["step"] > best["step"])

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        step = state.global_step
        self.rows = [row for row in read_history(self.history_path) if row["step"] <= step]
        for path in self.adapters_dir.glob("step-*"):
            match = ADAPTER_DIR.match(path.name)
            if match and int(match.group(1)) > step:
                shutil.rmtree(path)
        if step:
            log.info("resumed at step %d: %d earlier evaluations kept, best %s", step, len(self.rows), self.best)
        write_csv(self.history_path, self.rows, history_columns())
        if not self.rows:
            self._evaluate(model, 0, control)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step % self.eval_steps == 0 or state.global_step >= state.max_steps:
            self._evaluate(model, state.global_step, control)

    def _evaluate(self, model, step: int, control) -> None:
        if self.rows and self.rows[-1]["step"] == step:
            return
        row = self.evaluator(model, step)
        previous = self.best
        self.rows.append(row)
        write_csv(self.history_path, self.rows, history_columns())
        improved = previous is None or row["reward"] > previous["reward"]
        if improved:
            model.save_pretrained(adapter_dir(self.adapters_dir, step))
        log.info("validation at step %d: reward %.4f %s", step, row["reward"],
                 "(new best, adapter saved)" if improved else f"(best {previous['reward']:.4f} at step {previous['step']})")
        if self.evals_since_best() >= self.patience:
            self.stopped_early_at = step
            control.should_training_stop = True
            log.warning("early stopping at step %d: %d evaluations without improvement on step %d (patience %d)",
                        step, self.evals_since_best(), self.best["step"], self.patience)


class PreflightCallback(TrainerCallback):
    """Stops training when the first ``steps`` logged steps cannot produce a learning signal.

    - ``frac_reward_zero_std`` = 1 on every one of them: all rollouts of every group scored alike
      (typically identical rollouts from a near-zero sampling temperature).
    - ``completions/clipped_ratio`` = 1 on every one of them: every completion hit
      ``max_completion_length`` (seed 003 V2), so no answer was ever finished.
    Warns (once) when the policy entropy falls below ``entropy_floor`` (collapse, seed 003 V4.2).
    """

    def __init__(self, *, steps: int, max_completion_length: int, temperature: float, entropy_floor: float):
        """``steps`` = 0 turns the check off."""
        self.steps = steps
        self.max_completion_length = max_completion_length
        self.temperature = temperature
        self.entropy_floor = entropy_floor
        self.seen: list[dict] = []
        self.entropy_warned = False

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "frac_reward_zero_std" not in logs:
            return
        if len(self.seen) < self.steps:
            self.seen.append(logs)
            if len(self.seen) == self.steps:
                self._check()
        entropy = logs.get("entropy")
        # With mask_truncated_completions a step whose completions were all truncated has no
        # token to average over and logs entropy 0: not a collapse.
        all_masked = logs.get("completions/clipped_ratio", 0.0) >= 1.0
        if entropy is not None and not all_masked and entropy < self.entropy_floor and not self.entropy_warned:
            self.entropy_warned = True
            log.warning("entropy collapse: policy entropy %.4f < %.4f at step %d; rewards usually fall after "
                        "this (seed 003 V4.2) — the best checkpoint so far is kept",
                        entropy, self.entropy_floor, state.global_step)

    def _check(self) -> None:
        problems = []
        if all(entry.get("completions/clipped_ratio", 0.0) >= 1.0 for entry in self.seen):
            problems.append(
                f"every completion hit max_completion_length={self.max_completion_length}, so no answer is ever "
                f"finished: raise grpo.max_completion_length or shorten the expected output (seed 003 V2)"
            )
        if all(entry["frac_reward_zero_std"] >= 1.0 for entry in self.seen):
            problems.append(
                f"frac_reward_zero_std = 1: every rollout in every group got the same reward, so GRPO has zero "
                f"advantage and learns nothing. Rollouts are sampled at temperature {self.temperature}; check "
                f"that the rewards vary and that nothing forces greedy decoding (seed 003 V1: a "
                f"generation_config temperature of 0.1)"
            )
        if problems:
            raise PreflightError(f"preflight failed on each of the first {self.steps} steps: " + "; and ".join(problems))
