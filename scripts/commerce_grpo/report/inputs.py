"""Readers for the report's inputs: eval records, training histories, audit, best checkpoints.

Eval records are a contract (DESIGN.md) and are read strictly: a bad line stops the report naming
file and line. Artifacts whose keys belong to other stages (audit, best.json, eval histories, SFT
metrics, pair stats) are read defensively: the report shows what it finds and says what is missing.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pandas as pd

from commerce_grpo.files import read_jsonl
from commerce_grpo.prompts import TASKS

log = logging.getLogger(__name__)

EVAL_KEYS = ("id", "task", "reward", "completion")
SEED_IN_PATH = re.compile(r"seed(\d+)")


def arm_of(path: str | Path) -> str:
    """``results/eval/grpo_seed42.jsonl`` → ``grpo_seed42``."""
    return Path(path).name.removesuffix(".jsonl")


def seed_of(path: str | Path) -> int | None:
    """The seed a per-seed artifact belongs to, from the last ``seed<N>`` in its path."""
    found = SEED_IN_PATH.findall(str(path))
    return int(found[-1]) if found else None


def read_eval(path: str | Path) -> dict[str, dict]:
    """{prompt id: eval record} of one arm; every record needs id, task, reward, completion."""
    records = {}
    for number, record in read_jsonl(path):
        missing = [key for key in EVAL_KEYS if key not in record]
        if missing:
            raise ValueError(f"{path}:{number}: eval record lacks {missing}")
        if record["task"] not in TASKS:
            raise ValueError(f"{path}:{number}: task {record['task']!r} is not one of {TASKS}")
        if not isinstance(record["reward"], (int, float)) or isinstance(record["reward"], bool):
            raise ValueError(f"{path}:{number}: reward {record['reward']!r} is not a number")
        if record["id"] in records:
            raise ValueError(f"{path}:{number}: duplicate prompt id {record['id']!r}")
        records[record["id"]] = record
    if not records:
        raise ValueError(f"{path}: no eval records")
    return records


def read_eval_meta(path: str | Path) -> dict:
    """The sidecar ``{arm}.meta.json`` that evaluate_arm writes (device, backend, decoding)."""
    meta = Path(path).with_suffix(".meta.json")
    return _read_json(meta) or {}


def read_json(path: str | Path | None) -> dict:
    """A JSON object, or {} (logged) when the file is absent or not an object."""
    return (_read_json(Path(path)) or {}) if path else {}


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        log.warning("%s: unreadable (%s)", path, error)
        return None
    if not isinstance(data, dict):
        log.warning("%s: not a JSON object", path)
        return None
    return data


def read_best(best_dir: str | Path) -> dict:
    """best/best.json of one seed; the report shows its scalar keys as they are."""
    return read_json(Path(best_dir) / "best.json")


def read_eval_history(path: str | Path) -> pd.DataFrame:
    """GRPO validation reward as long rows (step, task, reward); 'overall' for a mean column.

    Accepts a long table (step, task, reward-like column) or a wide one: step, one column per task
    (``reward_<task>`` as the GRPO callback writes it, or ``eval/<task>``) and a mean ``reward``.
    """
    frame = pd.read_csv(path)
    step = _first_column(frame, ("step", "global_step"))
    if step is None:
        raise ValueError(f"{path}: no step column (columns: {list(frame.columns)})")
    if "task" in frame.columns:
        value = _first_column(frame, ("reward", "mean_reward", "eval_reward", "value", "score"))
        if value is None:
            raise ValueError(f"{path}: long eval history without a reward column ({list(frame.columns)})")
        long = frame[[step, "task", value]].rename(columns={step: "step", value: "reward"})
    else:
        columns = {}
        for column in frame.columns:
            name = re.sub(r"^(eval|reward)[/_]", "", str(column)).removesuffix("_reward")
            if name in TASKS:
                columns[column] = name
            elif name in ("mean", "mean_reward", "reward", "overall"):
                columns[column] = "overall"
        if not columns:
            raise ValueError(f"{path}: no per-task reward columns ({list(frame.columns)})")
        long = frame[[step, *columns]].rename(columns={step: "step", **columns})
        long = long.melt(id_vars=["step"], var_name="task", value_name="reward")
    long = long.dropna(subset=["reward"])
    return long.astype({"step": int, "reward": float}).sort_values(["task", "step"]).reset_index(drop=True)


def read_sft_metrics(path: str | Path | None) -> pd.DataFrame | None:
    """SFT metrics.csv (TRL's log history): step and the loss curves (loss, eval_loss); None when absent."""
    if not path or not Path(path).exists():
        return None
    frame = pd.read_csv(path)
    step = _first_column(frame, ("step", "global_step"))
    # train_loss is TRL's end-of-training average, one point that is not on the curve.
    losses = [c for c in frame.columns if "loss" in str(c).lower() and c != "train_loss"]
    if step is None or not losses:
        log.warning("%s: no step or loss columns (%s)", path, list(frame.columns))
        return None
    return frame[[step, *losses]].rename(columns={step: "step"})


def read_grpo_entropy(path: str | Path) -> pd.DataFrame:
    """GRPO metrics.csv: step and policy entropy, without the steps whose completions were all
    truncated and masked (TRL logs entropy 0 there: nothing was averaged, not a collapse)."""
    frame = pd.read_csv(path)
    if "entropy" not in frame.columns:
        return pd.DataFrame({"step": [], "entropy": []})
    if "completions/clipped_ratio" in frame.columns:
        frame = frame[frame["completions/clipped_ratio"] < 1.0]
    return frame[["step", "entropy"]].dropna().astype({"step": int, "entropy": float})


def read_benchmarks(benchmarks_dir: str | Path) -> dict[str, float]:
    """Wall seconds per job from Snakemake ``benchmark:`` TSVs, keyed by path (``grpo/seed42``)."""
    root = Path(benchmarks_dir)
    times = {}
    for tsv in sorted(root.glob("**/*.tsv")):
        try:
            frame = pd.read_csv(tsv, sep="\t")
            times[str(tsv.relative_to(root).with_suffix(""))] = float(frame["s"].sum())
        except (OSError, KeyError, ValueError, pd.errors.ParserError) as error:
            log.warning("%s: unreadable benchmark (%s)", tsv, error)
    return times


def _first_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in frame.columns), None)
