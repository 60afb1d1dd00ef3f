"""What k samples per eval prompt cost: seconds per evaluated arm for k = 1, 2, 4, 8.

    python benchmarks/bench_eval_samples.py [--config config/config.yaml] [--ks 1 2 4 8] [--arms base sft]
    python benchmarks/bench_eval_samples.py --test-config
    python benchmarks/bench_eval_samples.py --quick

Runs the `evaluate` rule's call (``evaluate_arm``: model load, generation of k samples per prompt,
scoring against the own prompt and the swap partner) for each arm and each k, and prints wall
seconds per arm with the generation and scoring parts, and what the five arms of a default run
(base, sft, three GRPO seeds) would take. The default config reads a built default run's artifacts
(results/models/base, results/sft/adapter, results/pairs, data/commerce.db; ``--results``/``--db``
point elsewhere); ``--test-config`` builds the fast test config's artifacts in a temporary folder
first. GRPO arms cost about what sft costs (same adapter shape, answers of the same kind).

``--quick`` proves the benchmark runs and measures nothing worth quoting: the test config's
artifacts, the sft arm, k = 1 and 2.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from _quick import TEST_CONFIG, build_quick_inputs, load_config  # noqa: E402  (puts scripts/ on sys.path)

from commerce_grpo.evaluate import evaluate_arm  # noqa: E402

# A default run evaluates base, sft and three GRPO seeds; the GRPO arms cost what sft costs.
DEFAULT_RUN_ARMS = {"base": 1, "sft": 4}


def measure(paths: dict, cfg: dict, *, arm: str, k: int, out: Path) -> dict:
    """One evaluate_arm call: wall and CPU seconds (CPU is what a shared machine does not inflate), its
    generation and scoring parts, the mean reward."""
    adapter = paths["adapter"] if arm == "sft" else None
    started, cpu = time.perf_counter(), time.process_time()
    rows = evaluate_arm(eval=paths["pairs"] / "eval.jsonl", base=paths["base"], db=paths["db"], adapter=adapter,
                        records=out / f"{arm}-k{k}.jsonl", meta=out / f"{arm}-k{k}.meta.json", arm=arm,
                        model=cfg["model"], rewards=cfg["rewards"],
                        decoding={**cfg["evaluate"], "samples_per_prompt": k})
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    meta = json.loads((out / f"{arm}-k{k}.meta.json").read_text())
    return {"arm": arm, "k": k, "prompts": len(rows), "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "generation_seconds": meta["generation_seconds"], "scoring_seconds": meta["scoring_seconds"],
            "mean_reward": round(sum(r["reward"] for r in rows) / len(rows), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--ks", nargs="+", type=int, default=[1, 2, 4, 8])
    parser.add_argument("--arms", nargs="+", default=list(DEFAULT_RUN_ARMS), choices=list(DEFAULT_RUN_ARMS))
    parser.add_argument("--results", default="results", help="a built default run's results/ folder")
    parser.add_argument("--db", default="data/commerce.db")
    parser.add_argument("--test-config", action="store_true",
                        help="build the fast test config's artifacts in a temporary folder and measure those")
    parser.add_argument("--quick", action="store_true", help="test config, sft arm, k = 1 and 2")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench_eval_samples-") as tmp:
        tmp = Path(tmp)
        if args.quick or args.test_config:
            cfg = load_config(TEST_CONFIG)
            paths = build_quick_inputs(cfg, tmp / "inputs", sft=True)
            ks, arms = ([1, 2], ["sft"]) if args.quick else (args.ks, args.arms)
            label = "test config (tests/config/config.yaml)"
        else:
            cfg = load_config(args.config)
            results = Path(args.results)
            paths = {"db": Path(args.db), "pairs": results / "pairs", "base": results / "models" / "base",
                     "adapter": results / "sft" / "adapter"}
            missing = [str(p) for p in paths.values() if not Path(p).exists()]
            if missing:
                sys.exit(f"bench_eval_samples: run the default pipeline first; missing {missing}")
            ks, arms = args.ks, args.arms
            label = args.config
        print(f"{label}: evaluate temperature {cfg['evaluate']['temperature']}, max_new_tokens "
              f"{cfg['evaluate']['max_new_tokens']}, batch_size {cfg['evaluate']['batch_size']} prompts")
        for k in ks:
            runs = [measure(paths, cfg, arm=arm, k=k, out=tmp) for arm in arms]
            for run in runs:
                print(f"  k={k}  {run['arm']:<4}  {run['seconds']:6.2f} s per arm, {run['cpu_seconds']:6.2f} s CPU  "
                      f"(generation {run['generation_seconds']:.2f} s, scoring {run['scoring_seconds']:.2f} s, "
                      f"{run['prompts']} prompts, mean reward {run['mean_reward']:.3f})")
            if set(arms) == set(DEFAULT_RUN_ARMS):
                total = sum(DEFAULT_RUN_ARMS[run["arm"]] * run["seconds"] for run in runs)
                cpu = sum(DEFAULT_RUN_ARMS[run["arm"]] * run["cpu_seconds"] for run in runs)
                print(f"  k={k}  five arms (base + sft + 3 GRPO seeds ≈ 4 × sft): {total:.1f} s, "
                      f"{cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
