"""Benchmark one GRPO step's sql_qa scoring: seconds per batch of 16 honest and of 16 slow queries.

Prints figures (it is not a timed test). A batch goes through the TRL reward function as GRPO calls
it (``rewards.trl``: the batch's queries at once on ``rewards.sql.workers`` sandbox processes under
``rewards.sql.batch_timeout_s``) and, for comparison, through ``score()`` one item after another
(how every batch ran before). Honest answers are the pipeline's SFT demonstrations of sql_qa pair
records (each made distinct, so none is a memo hit); slow answers are queries over a real table
that only the sandbox's timeout ends. Limits come from config/config.yaml's ``rewards.sql``. Run
from the repository root:

    python benchmarks/bench_sql_batch.py [--db data/commerce.db] [--repeats 3] [--quick]

Without an existing --db a synthetic commerce.db (the pipeline's generator, 5,000 orders) is built
in a temporary folder. ``--quick`` runs the same code on a small db with a 0.5 s timeout, once (a
smoke test; the figures are not the benchmark's).
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
import yaml  # noqa: E402

from _quick import bench_db  # noqa: E402
from commerce_grpo.rewards import score  # noqa: E402
from commerce_grpo.tasklib import errors, sql_sandbox  # noqa: E402
from commerce_grpo.rewards.trl import make_reward_functions  # noqa: E402
from commerce_grpo.tasks import get as get_task  # noqa: E402
from commerce_grpo.tasks import assistant_target  # noqa: E402

BATCH = 16
EXPLANATION = "Esta consulta conta os pedidos de cada estado, um por linha do resultado."


def sql_records(db: str, n: int) -> list[dict]:
    """sql_qa pair records built by the pipeline's own builder on ``db``."""
    task = get_task("sql_qa")
    con = duckdb.connect(db, read_only=True)
    try:
        return [{"task": "sql_qa", "reference": cand.reference, "source": cand.source,
                 "prompt": [{"role": "system", "content": task.system_prompt}, {"role": "user", "content": cand.user}]}
                for cand in itertools.islice(task.candidates(con, np.random.default_rng(3)), n)]
    finally:
        con.close()


def batches(records: list[dict], tag: str) -> dict[str, list[tuple[dict, str]]]:
    """Per kind, BATCH (record, completion) pairs, distinct from those of any other ``tag``."""
    honest = [(r, assistant_target(r) + f"\n\n(execução {tag}, resposta {i})") for i, r in
              zip(range(BATCH), itertools.cycle(records))]
    slow = [(records[0], f"```sql\nSELECT count(*) AS n_{tag}_{i} FROM orders, range(1000000000000) t(x)\n```\n"
                         f"{EXPLANATION}") for i in range(BATCH)]
    return {"honest": honest, "slow": slow}


def as_trl_batch(functions, items) -> float:
    """Seconds for GRPO's call of every sql_qa reward function on one batch."""
    kwargs = {"prompts": [r["prompt"] for r, _ in items], "completions": [c for _, c in items],
              "task": ["sql_qa"] * len(items), "reference": [r["reference"] for r, _ in items],
              "source": [r["source"] for r, _ in items]}
    start = time.perf_counter()
    for function in functions:
        function(**kwargs)
    return time.perf_counter() - start


def one_by_one(items, *, db: str, config: dict) -> float:
    start = time.perf_counter()
    for record, completion in items:
        score(record, completion, db=db, config=config)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "data" / "commerce.db"))
    parser.add_argument("--repeats", type=int, default=3, help="batches timed per kind and path")
    parser.add_argument("--quick", action="store_true", help="smoke run: small db, 0.5 s timeout, one repeat")
    args = parser.parse_args()
    rewards = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))["rewards"]
    sql = dict(rewards["sql"])
    if args.quick:
        args.repeats = 1
        sql.update(timeout_s=0.5, batch_timeout_s=1.5)
    config = {"preset": rewards["preset"], "sql": sql}
    print(f"machine: {os.cpu_count()} CPU cores visible; batch of {BATCH}; rewards.sql timeout_s {sql['timeout_s']}, "
          f"workers {sql['workers']}, batch_timeout_s {sql['batch_timeout_s']}")
    with tempfile.TemporaryDirectory() as tmp:
        db = bench_db(args.db, Path(tmp), quick=args.quick)
        records = sql_records(db, 8)
        sql_sandbox.prestart(db, sql["workers"])  # what the first batch of a run pays once
        for record in records:  # and the gold results, cached per query and database
            score(record, assistant_target(record), db=db, config=config)
        functions = make_reward_functions(db=db, config=config, tasks=("sql_qa",))
        print(f"{'kind':<8}{'path':<14}{'s per batch (each repeat)':>36}  {'mean':>7}")
        for kind in ("honest", "slow"):
            times = {"batch": [], "one by one": []}
            for repeat in range(args.repeats):
                times["batch"].append(as_trl_batch(functions, batches(records, f"b{repeat}")[kind]))
                times["one by one"].append(one_by_one(batches(records, f"s{repeat}")[kind], db=db, config=config))
            for path, values in times.items():
                shown = ", ".join(f"{v:.2f}" for v in values)
                print(f"{kind:<8}{path:<14}{shown:>36}  {sum(values) / len(values):>7.2f}", flush=True)
    state = sql_sandbox.health()
    print(f"sandbox: {state['statuses']}, kills {state['worker_kills']}, budget cuts {state['budget_cuts']}, "
          f"errors {state['errors']}; reward errors {errors.snapshot()}")


if __name__ == "__main__":
    main()
