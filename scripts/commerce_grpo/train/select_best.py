"""Pick the best validation checkpoint of one seed and publish it as a loadable PEFT adapter.

L-early-stopping: the study's run peaked at step 1100 and collapsed by 1500, and GRPOTrainer has no
load_best_model_at_end — the last checkpoint is the wrong one to ship. The peak of
eval_history.csv wins (the earliest step on a tie: fewer updates for the same reward).
"""
from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path

from commerce_grpo.files import write_atomic
from commerce_grpo.modeling import read_base
from commerce_grpo.train.callbacks import adapter_dir, read_history
from commerce_grpo.train.model_card import model_card
from commerce_grpo.train.validation import metric_columns, tasks_of

log = logging.getLogger(__name__)


def pick_peak(rows: list[dict]) -> tuple[dict, str]:
    """(the best row, why it won) — highest mean validation reward, earliest step on a tie."""
    scored = [row for row in rows if not math.isnan(row["reward"])]
    if not scored:
        raise ValueError("eval_history has no evaluation with a reward")
    best = max(scored, key=lambda row: (row["reward"], -row["step"]))
    last = scored[-1]
    why = (f"highest mean validation reward ({best['reward']:.4f}) of {len(scored)} evaluations "
           f"(steps {scored[0]['step']}–{last['step']})")
    if last["step"] != best["step"]:
        why += f"; the last evaluation (step {last['step']}) scored {last['reward']:.4f}"
    if best["step"] == 0:
        why += "; no GRPO step beat the starting adapter, so the starting point is kept"
    return best, why


def select_best(*, checkpoints, eval_history, base, outputs: dict, seed: int, model: dict, grpo: dict) -> dict:
    """Copy the peak's adapter to ``outputs["best"]`` with best.json and a model card (README.md)."""
    rows = read_history(eval_history)
    try:
        best, why = pick_peak(rows)
    except ValueError as error:
        raise ValueError(f"{eval_history}: {error}") from error
    source = adapter_dir(checkpoints, best["step"])
    if not (source / "adapter_config.json").exists():
        available = sorted(p.name for p in Path(checkpoints).glob("step-*"))
        raise FileNotFoundError(f"{source}: no adapter for the best step {best['step']} (have {available})")
    out = Path(outputs["best"])
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(source, out)
    tasks = tasks_of({"task": column[len("reward_"):]} for column in best if column.startswith("reward_"))
    record = {
        "seed": seed,
        "step": best["step"],
        "reward": best["reward"],
        "reward_per_task": {task: _finite(best[f"reward_{task}"]) for task in tasks},
        "metrics": {name: _finite(best[name]) for name in metric_columns(tasks).values()},
        "why": why,
        "evaluations": len(rows),
        "last_step": rows[-1]["step"],
        "history": [{"step": row["step"], "reward": _finite(row["reward"])} for row in rows],
    }
    write_atomic(out / "best.json", json.dumps(record, indent=2) + "\n")
    base_info, _ = read_base(base)
    write_atomic(out / "README.md", model_card(record, base_info=base_info, model=model, grpo=grpo))
    log.info("seed %d: best step %d — %s", seed, best["step"], why)
    return record


def _finite(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
