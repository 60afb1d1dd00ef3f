"""Benchmark the data stage: commerce_db at Olist scale and pairs at 5,000 prompts.

Prints figures (it is not a timed test). Targets on 2 CPU cores: commerce_db at 100k orders
≤ 60 s, pairs at 5,000 pairs ≤ 30 s. Run from the repository root:

    python benchmarks/bench_data.py [--orders 100000] [--pairs 5000] [--quick]

``--quick`` (what tests/test_benchmarks.py runs) skips the default-config step and builds 2,000
orders and 600 pairs, to prove the benchmark still runs; its times say nothing about the targets.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import yaml  # noqa: E402

from commerce_grpo.data.db import build_commerce_db  # noqa: E402
from commerce_grpo.data.pairs import build_pairs  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.yaml"


def timed(label, fn, **kwargs):
    """Wall time (the figure the targets refer to) and CPU time (all threads; a fairer figure
    on a shared machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(**kwargs)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<62} wall {seconds:6.2f} s   cpu {cpu:6.2f} s", flush=True)
    return round(seconds, 2), result


def default_steps(figures, tmp, outputs, data, pairs, tasks) -> None:
    """commerce_db and pairs exactly as the default config builds them."""
    figures["commerce_db_default_s"], _ = timed(
        f"commerce_db, default config ({data['orders']:,} orders)", build_commerce_db,
        db=tmp / "default.db", source="synthetic", olist_dir="-", orders=data["orders"], seed=data["seed"])
    figures["pairs_default_s"], _ = timed(
        "pairs, default config (1,480 + 26 + 65)", build_pairs, db=tmp / "default.db",
        outputs=outputs("default"), seed=pairs["seed"], scale=pairs["scale"], tasks=tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000, help="orders of the big synthetic db")
    parser.add_argument("--pairs", type=int, default=5_000, help="total pairs of the big pairs build")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks that it runs, not the targets")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.pairs = 2_000, 600
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data, pairs = config["data"], config["pairs"]
    tasks = {name: n for name, n in config["tasks"].items() if n["enabled"]}
    fixed = sum(n["validation"] + n["eval"] for n in tasks.values())
    scale = (args.pairs - fixed) / sum(n["train"] for n in tasks.values())
    print(f"machine: {os.cpu_count()} CPU cores visible, load average {os.getloadavg()[0]:.1f}; "
          f"python {sys.version.split()[0]}")
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def outputs(name):
            out = {s: str(tmp / name / f"{s}.jsonl") for s in ("train", "validation", "eval")}
            return out | {"stats": str(tmp / name / "stats.json")}

        if not args.quick:
            default_steps(figures, tmp, outputs, data, pairs, tasks)
        figures["commerce_db_big_s"], _ = timed(
            f"commerce_db, {args.orders:,} orders (target ≤ 60 s)", build_commerce_db,
            db=tmp / "big.db", source="synthetic", olist_dir="-", orders=args.orders, seed=data["seed"])
        figures["pairs_big_s"], records = timed(
            f"pairs, {args.pairs:,} pairs on that db, scale {scale:.3f} (target ≤ 30 s)", build_pairs,
            db=tmp / "big.db", outputs=outputs("big"), seed=pairs["seed"], scale=scale, tasks=tasks)
        figures["pairs_big_count"] = sum(len(r) for r in records.values())
        figures["big_db_mb"] = round((tmp / "big.db").stat().st_size / 2**20, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
