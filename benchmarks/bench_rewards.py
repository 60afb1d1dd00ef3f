"""Benchmark the rewards: completions scored per second on one core, per task.

Prints figures (it is not a timed test). Targets: >= 5,000/s for extraction, insights and push,
>= 200/s for sql_qa with execution against commerce.db. Records come from the pipeline's own
pair builders on commerce.db; each is scored with its SFT demonstration (a right answer in the
task's format), every other task's demonstration (answers in the wrong format, which the format
gate must turn away cheaply), and a few failure modes (trailing junk, a runaway '{' block,
hostile SQL), cycled for a fixed time. Run from the repository root:

    PYTHONPATH=scripts python benchmarks/bench_rewards.py [--db data/commerce.db] [--seconds 3]
        [--preset correctness|study] [--quick]

Without an existing --db a synthetic commerce.db (the pipeline's generator, 5,000 orders) is built
in a temporary folder first. ``--quick`` runs the same code path on a small db and a few records
for a fraction of a second per task (a smoke test; the figures are not the benchmark's).
"""
import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402

from _quick import bench_db  # noqa: E402
from commerce_grpo.rewards import score  # noqa: E402
from commerce_grpo.tasklib import errors  # noqa: E402
from commerce_grpo.tasks import assistant_target, get as get_task  # noqa: E402

TARGETS = {"extraction": 5000, "sql_qa": 200, "insights": 5000, "push": 5000}  # the tasks benchmarked
FAILURES = {
    "extraction": lambda good: [good + "\n" + "texto extra " * 150, "{" * 20_000],
    "sql_qa": lambda good: ["```sql\nSELECT 1; DROP TABLE orders\n```\nApaga.", "```sql\nSELECT * FROM nada\n```\nErro."],
    "insights": lambda good: [good * 4, "recomendar priorizar investir " * 40],
    "push": lambda good: [good + " " + good, "oi " * 40],
}


def records_from(db: str, per_task: int, seed: int = 5) -> list[dict]:
    """Pair records built by the pipeline's task builders on ``db``."""
    con = duckdb.connect(db, read_only=True)
    try:
        records = []
        for task in TARGETS:
            for cand in itertools.islice(get_task(task).candidates(con, np.random.default_rng(seed)), per_task):
                records.append({"task": task, "reference": cand.reference, "source": cand.source,
                                "prompt": [{"role": "system", "content": get_task(task).system_prompt},
                                           {"role": "user", "content": cand.user}]})
        return records
    finally:
        con.close()


def items_for(task: str, records: list[dict]) -> list[tuple[dict, str]]:
    """(record, completion) pairs of one task: right, other tasks' formats, failure modes."""
    own = [r for r in records if r["task"] == task]
    others = [r for r in records if r["task"] != task]
    items = []
    for i, record in enumerate(own):
        good = assistant_target(record)
        items.append((record, good))
        items.append((record, assistant_target(others[i % len(others)])))
        items.extend((record, bad) for bad in FAILURES[task](good))
    return items


def rate(items, *, db, seconds, config) -> tuple[float, float, int]:
    """(completions per CPU second of this process, per wall second, n) scoring ``items`` in a loop
    for about ``seconds`` (one thread).

    Per CPU second is the per-core figure on a shared machine (other processes' load does not
    count against it); it leaves out CPU spent in other processes, so sql_qa, whose queries may
    run in a sandbox worker process, is judged per wall second.
    """
    for record, completion in items:  # warm-up: connections, gold-result cache, regex compilation
        score(record, completion, db=db, config=config)
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for record, completion in items:
            score(record, completion, db=db, config=config)
        n += len(items)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return n / max(cpu, 1e-9), n / wall, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "data" / "commerce.db"))
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent per task")
    parser.add_argument("--records", type=int, default=12, help="pair records per task")
    parser.add_argument("--preset", default="correctness", choices=["correctness", "study"])
    parser.add_argument("--quick", action="store_true", help="smoke run: small db, few records, 0.2 s per task")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.records = 0.2, 3
    config = {"preset": args.preset}
    print(f"machine: {os.cpu_count()} CPU cores visible; one thread used; python {sys.version.split()[0]}; "
          f"preset {args.preset}")
    with tempfile.TemporaryDirectory() as tmp:
        db = bench_db(args.db, Path(tmp), quick=args.quick)
        records = records_from(db, args.records)
        print(f"{'task':<12}{'per CPU s':>12}{'per wall s':>12}{'target':>10}  {'n':>8}  verdict")
        for task in TARGETS:
            items = items_for(task, records)
            per_cpu, per_wall, n = rate(items, db=db if task == "sql_qa" else None, seconds=args.seconds,
                                        config=config)
            judged = per_wall if task == "sql_qa" else per_cpu
            verdict = "ok" if judged >= TARGETS[task] else "BELOW TARGET"
            print(f"{task:<12}{per_cpu:>12,.0f}{per_wall:>12,.0f}{TARGETS[task]:>10,}  {n:>8}  verdict: {verdict}",
                  flush=True)
    if errors.count():
        print(f"rewards raised {errors.count()} times: {errors.snapshot()}")


if __name__ == "__main__":
    main()
