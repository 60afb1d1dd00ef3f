"""Our GRPO trainer against a bare TRL GRPOTrainer: same model, data, rewards and GRPOConfig.

    python benchmarks/bench_grpo.py [--config config/config.yaml] [--steps 30] [--repeats 2]
    python benchmarks/bench_grpo.py --quick

Uses a built DAG's artifacts (results/models/base, results/sft/adapter, results/pairs,
data/commerce.db; ``--results``/``--db`` point elsewhere). Runs bare and ours alternately
(``--repeats`` times each, so load from other processes hits both alike) and reports, per run,
TRL's mean ``step_time`` (generation, rewards, loss, backward; median over all steps, robust to
load spikes from other processes) and the wall time of ``train()`` per step. Our wall time
includes what the rule adds on purpose — validation evaluations, the best adapters,
metrics.csv — so the JSON reports the overhead with and without the evaluation time
(eval_history.csv's eval_seconds).

``--quick`` proves the benchmark runs, and measures nothing worth quoting: it builds its own
commerce.db, pairs and embedded base model from the fast test config (tests/config/config.yaml)
in a temporary folder, starts GRPO from the base model and runs 2 steps once each way.
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path

from _quick import TEST_CONFIG, build_quick_inputs, load_config  # puts scripts/ on sys.path
from trl import GRPOTrainer

from commerce_grpo.data.pair_files import read_pairs
from commerce_grpo.modeling import load_model
from commerce_grpo.rewards.trl import make_reward_functions, reward_weights
from commerce_grpo.train.datasets import grpo_dataset
from commerce_grpo.train.grpo import WorkDir, build_trainer, decode_json_columns, grpo_config
from commerce_grpo.train.validation import tasks_of


def bare_run(paths: dict, cfg: dict, grpo: dict, out: Path) -> dict:
    """A plain TRL script: load, GRPOConfig, GRPOTrainer(...).train(). No callbacks of ours."""
    records = read_pairs(paths["train"])
    tasks = list(tasks_of(records))
    model, tokenizer = load_model(paths["base"], adapter=paths["adapter"], model=cfg["model"], trainable=True)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[decode_json_columns(f) for f in make_reward_functions(db=paths["db"], config=cfg["rewards"], tasks=tasks)],
        args=grpo_config(grpo, seed=0, output_dir=out, weights=reward_weights(cfg["rewards"], tasks=tasks)),
        train_dataset=grpo_dataset(records),
        processing_class=tokenizer,
    )
    return _timed(trainer, grpo["max_steps"])


def our_run(paths: dict, cfg: dict, grpo: dict, out: Path) -> dict:
    trainer, _ = build_trainer(train=paths["train"], validation=paths["validation"], base=paths["base"],
                               db=paths["db"], init_adapter=paths["adapter"], seed=0, work=WorkDir(out),
                               model=cfg["model"], lora=cfg["lora"], rewards=cfg["rewards"], grpo=grpo)
    result = _timed(trainer, grpo["max_steps"])
    with open(out / "eval_history.csv", newline="") as handle:
        result["eval_seconds"] = sum(float(row["eval_seconds"]) for row in csv.DictReader(handle))
    return result


def _timed(trainer, steps: int) -> dict:
    started = time.perf_counter()
    trainer.train()
    wall = time.perf_counter() - started
    logged = [entry for entry in trainer.state.log_history if "step_time" in entry]
    return {"steps": trainer.state.global_step, "wall_seconds": wall, "wall_per_step": wall / steps,
            "step_times": [entry["step_time"] for entry in logged],
            "completion_length_mean": statistics.fmean(e["completions/mean_length"] for e in logged)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--output", default="results/benchmarks/bench_grpo.json")
    parser.add_argument("--results", default="results", help="a built DAG's results/ folder")
    parser.add_argument("--db", default="data/commerce.db")
    parser.add_argument("--quick", action="store_true",
                        help="2 steps, once, on inputs built from the test config in a temporary folder")
    args = parser.parse_args()
    if args.quick:
        args.config, args.steps, args.repeats = str(TEST_CONFIG), 2, 1
    logging.basicConfig(level=logging.WARNING)
    cfg = load_config(args.config)
    # Identical GRPOConfig for both; no early stop or preflight so both run every step.
    grpo = {**cfg["grpo"], "max_steps": args.steps, "patience": args.steps + 1, "preflight_steps": 0,
            "preflight_probe_prompts": 0,
            # bare TRL samples the pool's own mix: compare like with like
            "task_mix": None, **({"init": "base"} if args.quick else {})}
    runs = {"bare": [], "ours": []}
    with tempfile.TemporaryDirectory(prefix="bench-grpo-") as tmp:
        if args.quick:
            built = build_quick_inputs(cfg, Path(tmp) / "inputs", sft=False)
        else:
            results = Path(args.results)
            built = {"db": args.db, "pairs": results / "pairs", "base": results / "models/base",
                     "adapter": results / "sft/adapter" if grpo["init"] == "sft" else None}
        paths = {"base": built["base"], "adapter": built["adapter"], "db": built["db"],
                 "train": built["pairs"] / "train.jsonl", "validation": built["pairs"] / "validation.jsonl"}
        for repeat in range(args.repeats):
            for name, run in (("bare", bare_run), ("ours", our_run)):
                runs[name].append(run(paths, cfg, grpo, Path(tmp) / f"{name}{repeat}"))
                print(name, repeat, {k: v for k, v in runs[name][-1].items() if k != "step_times"}, flush=True)
    # Medians: other processes on a shared machine make single steps 10x slower at random.
    median = {name: {"step_time": statistics.median(t for r in done for t in r["step_times"]),
                     "wall_per_step": statistics.median(r["wall_per_step"] for r in done),
                     "wall_per_step_without_evals": statistics.median(
                         (r["wall_seconds"] - r.get("eval_seconds", 0.0)) / r["steps"] for r in done),
                     "completion_length_mean": statistics.fmean(r["completion_length_mean"] for r in done)}
              for name, done in runs.items()}
    bare, ours = median["bare"], median["ours"]
    summary = {
        "config": args.config, "steps": args.steps, "repeats": args.repeats, "median": median,
        "step_time_overhead_pct": 100 * (ours["step_time"] / bare["step_time"] - 1),
        "wall_overhead_without_evals_pct": 100 * (ours["wall_per_step_without_evals"] / bare["wall_per_step"] - 1),
        "wall_overhead_pct": 100 * (ours["wall_per_step"] / bare["wall_per_step"] - 1),
        "runs": runs,
    }
    if not args.quick:  # a quick run's numbers are no measurement: nothing is written
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=2))
    print(f"overhead per step: {summary['step_time_overhead_pct']:+.1f} % (step_time), "
          f"{summary['wall_overhead_without_evals_pct']:+.1f} % (wall, without evaluations)")


if __name__ == "__main__":
    main()
