"""Benchmark the rewards: completions scored per second on one core, per task.

Prints figures (it is not a timed test). Targets (issue 4): >= 5,000/s for extraction, insights
and push, >= 200/s for sql_qa with execution against commerce.db. The completions are the audit
set (data/audit/human_scores.jsonl: good answers and the study's failure modes, hostile SQL
included), cycled for a fixed time. Run from the repository root:

    PYTHONPATH=scripts python benchmarks/bench_rewards.py [--db data/commerce.db] [--seconds 3]

Without an existing --db a synthetic commerce.db (the pipeline's generator, 5,000 orders) is built
in a temporary folder first.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from commerce_grpo.prompts import TASKS  # noqa: E402
from commerce_grpo.rewards import errors, score  # noqa: E402

TARGETS = {"extraction": 5000, "sql_qa": 200, "insights": 5000, "push": 5000}


def rate(items, *, db, seconds) -> tuple[float, int]:
    """Completions per second scoring ``items`` in a loop for about ``seconds`` (one thread)."""
    for item in items:  # warm-up: connections, gold-result cache, regex compilation
        score(item["record"], item["completion"], db=db)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for item in items:
            score(item["record"], item["completion"], db=db)
        n += len(items)
    return n / (time.perf_counter() - start), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "data" / "commerce.db"))
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent per task")
    parser.add_argument("--human-scores", default=str(ROOT / "data" / "audit" / "human_scores.jsonl"))
    args = parser.parse_args()
    items = [json.loads(line) for line in Path(args.human_scores).read_text(encoding="utf-8").splitlines() if line]
    for item in items:
        item["record"] = {**item["record"], "task": item["task"]}
    print(f"machine: {os.cpu_count()} CPU cores visible; one thread used; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if not Path(db).is_file():
            from commerce_grpo.data.db import build_commerce_db

            db = str(Path(tmp) / "commerce.db")
            build_commerce_db(db, source="synthetic", olist_dir="data/raw/olist", orders=5000, seed=7)
            print(f"built a synthetic commerce.db (5,000 orders) at {db}")
        print(f"{'task':<12}{'completions/s':>15}{'target':>10}  {'n':>8}  verdict")
        for task in TASKS:
            subset = [i for i in items if i["task"] == task]
            per_s, n = rate(subset, db=db if task == "sql_qa" else None, seconds=args.seconds)
            verdict = "ok" if per_s >= TARGETS[task] else "BELOW TARGET"
            print(f"{task:<12}{per_s:>15,.0f}{TARGETS[task]:>10,}  {n:>8}  {verdict}", flush=True)
    if errors.count():
        print(f"rewards raised {errors.count()} times: {errors.snapshot()}")


if __name__ == "__main__":
    main()
