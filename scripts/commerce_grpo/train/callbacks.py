"""GRPO callbacks: validation eval with early stopping and best-adapter saving, and the preflight.

The study peaked at step 1100 and collapsed by 1500 (0.634 → 0.10), and GRPOTrainer has
no load_best_model_at_end, so the best adapter is saved the moment it is found and training stops
after ``patience`` evaluations without improvement (L-early-stopping). Its first run learned
nothing because every rollout was identical (L-gen-config); the preflight makes a hopeless run loud.
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

    def __init__(self, evaluator, *, columns: list[str], history_path, adapters_dir, eval_steps: int, patience: int):
        self.evaluator = evaluator
        self.columns = columns  # eval_history.csv's header: ``validation.history_columns(tasks)``
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
        write_csv(self.history_path, self.rows, self.columns)
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
        write_csv(self.history_path, self.rows, self.columns)
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
    """Stops only a hopeless run, warns about a hopeless task, and watches entropy.

    - Before step 1 (not on resume): ``probe(model)`` returns per-task probe statistics (see
      ``preflight``); ``preflight.judge`` raises only when no task finishes an answer or every
      group has zero reward variance, and warns per task whose every rollout is truncated.
    - Over the first ``steps`` logged steps, warns once per task that was drawn and had every
      rollout truncated each time (``task_clipped_ratio/{task}`` of CommerceGRPOTrainer): a
      judgement per task, never a stop — which tasks the first steps draw is luck.
    - Warns (once) when the policy entropy falls below ``entropy_floor`` (L-entropy).
    """

    def __init__(self, *, steps: int, max_completion_length: int, temperature: float, entropy_floor: float,
                 probe=None):
        """``steps`` = 0 turns the per-step watch and the probe off; ``probe`` = None skips the probe."""
        self.steps = steps
        self.max_completion_length = max_completion_length
        self.temperature = temperature
        self.entropy_floor = entropy_floor
        self.probe = probe
        self.probe_result = None
        self.seen: list[dict] = []
        self.entropy_warned = False

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if not self.steps or self.probe is None or state.global_step:
            return
        from commerce_grpo.train.preflight import judge

        self.probe_result = self.probe(model)
        for task, stats in self.probe_result.items():
            log.info("preflight probe %s: clipped ratio %.2f, reward std %.4f (%d/%d groups with zero variance)",
                     task, stats.clipped_ratio, stats.reward_std, stats.zero_std_groups, stats.n_groups)
        warnings, failure = judge(self.probe_result, max_completion_length=self.max_completion_length,
                                  temperature=self.temperature)
        for warning in warnings:
            log.warning("preflight: %s", warning)
        if failure:
            raise PreflightError(failure)

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "frac_reward_zero_std" not in logs:
            return
        if len(self.seen) < self.steps:
            self.seen.append(logs)
            if len(self.seen) == self.steps:
                self._warn_truncated_tasks()
        entropy = logs.get("entropy")
        # With mask_truncated_completions a step whose completions were all truncated has no
        # token to average over and logs entropy 0: not a collapse.
        all_masked = (logs.get("completions/clipped_ratio") or 0.0) >= 1.0
        if entropy is not None and not all_masked and entropy < self.entropy_floor and not self.entropy_warned:
            self.entropy_warned = True
            log.warning("entropy collapse: policy entropy %.4f < %.4f at step %d; rewards usually fall after "
                        "this (L-entropy) — the best checkpoint so far is kept",
                        entropy, self.entropy_floor, state.global_step)

    def _warn_truncated_tasks(self) -> None:
        prefix = "task_clipped_ratio/"
        drawn: dict[str, list[float]] = {}
        for entry in self.seen:
            for key, value in entry.items():
                if key.startswith(prefix) and isinstance(value, (int, float)) and not math.isnan(value):
                    drawn.setdefault(key[len(prefix):], []).append(value)
        for task, ratios in drawn.items():
            if all(ratio >= 1.0 for ratio in ratios):
                log.warning("task %s: every rollout hit max_completion_length=%d in each of the %d of the first %d "
                            "steps that drew it (clipped ratio 1.00); it learns nothing until its answers finish",
                            task, self.max_completion_length, len(ratios), self.steps)
