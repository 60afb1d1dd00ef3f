"""Readers for the report's inputs, each strict: one layout per file, shared with its writer.

Eval records and their meta (``commerce_grpo.eval_files``), the reward audit
(``commerce_grpo.audit.read_audit``), the pair stats (``read_stats``), GRPO eval histories
(``validation.history_columns(tasks)``), best.json, TRL metrics (entropy, the LLM judge) and Snakemake
benchmark files. A file of another shape is an error naming it: the report never guesses a layout
(a guessed key once hid which number the report showed).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from commerce_grpo import tasks as registry
from commerce_grpo.audit import read_audit
from commerce_grpo.data.pair_files import read_stats
from commerce_grpo.eval_files import read_eval, read_meta
from commerce_grpo.rewards import judge
from commerce_grpo.train.validation import history_columns

__all__ = ["read_audit", "read_stats", "read_eval", "read_meta", "read_best", "read_eval_history",
           "read_sft_metrics", "read_grpo_entropy", "read_grpo_judge", "read_benchmarks"]


def read_best(best_dir: str | Path) -> dict:
    """best/best.json of one seed (select_best writes it); the report shows its scalar keys as they are."""
    path = Path(best_dir) / "best.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read the best checkpoint record ({error})") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: best.json is a JSON object, got {type(data).__name__}")
    return data


def read_eval_history(path: str | Path) -> pd.DataFrame:
    """GRPO validation reward as long rows (step, task, reward); ``overall`` for the mean column.

    The file has exactly the columns of ``validation.history_columns(tasks)`` (the callback writes
    them) for the registered tasks its ``reward_<task>`` columns name: ``step``, ``reward`` (mean),
    ``reward_<task>`` per task, each task's metric; empty cells (a task without validation prompts)
    are dropped.
    """
    frame = pd.read_csv(path)
    tasks = [task for task in registry.ALL if f"reward_{task}" in frame.columns]
    expected = history_columns(tasks)
    if list(frame.columns) != expected:
        raise ValueError(f"{path}: eval history columns {list(frame.columns)}, expected {expected}")
    columns = {"reward": "overall", **{f"reward_{task}": task for task in tasks}}
    long = frame[["step", *columns]].rename(columns=columns)
    long = long.melt(id_vars=["step"], var_name="task", value_name="reward").dropna(subset=["reward"])
    return long.astype({"step": int, "reward": float}).sort_values(["task", "step"]).reset_index(drop=True)


def read_sft_metrics(path: str | Path) -> pd.DataFrame:
    """SFT metrics.csv (TRL's log history): step and the loss curves (loss, eval_loss)."""
    frame = pd.read_csv(path)
    # train_loss is TRL's end-of-training average, one point that is not on the curve.
    losses = [c for c in frame.columns if c in ("loss", "eval_loss")]
    if "step" not in frame.columns or not losses:
        raise ValueError(f"{path}: SFT metrics need a step and a loss or eval_loss column ({list(frame.columns)})")
    return frame[["step", *losses]]


def read_grpo_entropy(path: str | Path) -> pd.DataFrame:
    """GRPO metrics.csv: step and policy entropy, without the steps whose completions were all
    truncated and masked (TRL logs entropy 0 there: nothing was averaged, not a collapse).

    A metrics file without an ``entropy`` column (a TRL that does not log it) gives no rows.
    """
    frame = pd.read_csv(path)
    if "step" not in frame.columns:
        raise ValueError(f"{path}: GRPO metrics without a step column ({list(frame.columns)})")
    if "entropy" not in frame.columns:
        return pd.DataFrame({"step": [], "entropy": []})
    if "completions/clipped_ratio" in frame.columns:
        frame = frame[frame["completions/clipped_ratio"] < 1.0]
    return frame[["step", "entropy"]].dropna().astype({"step": int, "entropy": float})


# What GRPO's metrics.csv holds about the judge: TRL's per-function mean (NaN on a step where every
# call failed) and CommerceGRPOMixin.log's failure counter (cumulative, restarting at 0 on resume).
JUDGE_MEAN = f"rewards/{judge.FUNCTION_NAME}/mean"
JUDGE_ERRORS = f"reward_errors/{judge.ERROR_KEY}"
JUDGE_CALLS = judge.CALLS_METRIC


def _counted(frame: pd.DataFrame, column: str) -> int:
    """The total of a per-process cumulative counter: the sum of its increases (a drop is a resumed
    run counting from 0 again)."""
    counter = frame[column].dropna().astype(int).tolist() if column in frame.columns else []
    return sum(now - before if now >= before else now for before, now in zip([0, *counter], counter))


def read_grpo_judge(path: str | Path) -> dict:
    """GRPO metrics.csv on the LLM judge: logged training steps, those it scored, its mean reward over
    them, its calls and its failed calls.

    Failed calls sum the counter's increases: it counts from 0 in each training process, so a drop
    is a resumed run counting again. A file without the judge's mean column is an error: the judge
    was enabled but did not take part in this training.
    """
    frame = pd.read_csv(path)
    if "step" not in frame.columns or JUDGE_MEAN not in frame.columns:
        raise ValueError(f"{path}: GRPO metrics need step and {JUDGE_MEAN!r} columns when the judge is enabled "
                         f"({list(frame.columns)})")
    logged = frame[frame["loss"].notna()] if "loss" in frame.columns else frame  # training rows, not the summary
    means = logged[JUDGE_MEAN].dropna()
    return {"steps": len(logged), "steps_scored": len(means), "mean": float(means.mean()) if len(means) else None,
            "calls": _counted(frame, JUDGE_CALLS), "errors": _counted(frame, JUDGE_ERRORS)}


def read_benchmarks(paths: list[str | Path]) -> dict[str, float]:
    """Wall seconds per job from Snakemake ``benchmark:`` TSVs, keyed by the path below their
    common folder without suffix (``grpo/seed42``)."""
    if not paths:
        return {}
    root = Path(os.path.commonpath([Path(p).parent for p in paths]))
    times = {}
    for path in map(Path, paths):
        frame = pd.read_csv(path, sep="\t")
        if "s" not in frame.columns:
            raise ValueError(f"{path}: a Snakemake benchmark file has an 's' column ({list(frame.columns)})")
        times[path.relative_to(root).with_suffix("").as_posix()] = float(frame["s"].sum())
    return times
