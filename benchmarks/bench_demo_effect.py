"""Is the demo's GRPO effect luck? Reruns GRPO and evaluation for other seed triples.

    python benchmarks/bench_demo_effect.py [--config config/config.yaml] [--triples 7,8,9 11,12,13 21,22,23]
    python benchmarks/bench_demo_effect.py --quick

Uses a built default run's artifacts (results/models/base, results/sft/adapter, results/pairs,
data/commerce.db; ``--results``/``--db`` point elsewhere) and the config's ``grpo`` and
``evaluate`` sections, exactly as the pipeline's grpo → select_best → evaluate rules do, for
each seed of each triple (work in a temporary folder; nothing under results/ changes except the
JSON written to ``--output``). Each triple is then tested like the report tests the default
seeds (``commerce_grpo.stats``): per task, each eval prompt's GRPO reward averaged over the
triple's seeds against the SFT arm's reward on it, exact one-sided Wilcoxon both ways, Holm
across tasks. A triple "reproduces" the effect when GRPO beats SFT on at least one task and is
significantly worse on none (p Holm < alpha, the ``report`` section's).

Each seed costs about one GRPO stage plus one evaluation of the default run (about 1.5–2 min on
2 free cores), so the default three triples take about 15–20 min.

``--quick`` proves the benchmark runs and measures nothing worth quoting: it builds commerce.db,
pairs, base model and a 1-epoch SFT from the fast test config (tests/config/config.yaml) in a
temporary folder, then runs one triple of 2-step GRPO.
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

from commerce_grpo import stats  # noqa: E402
from commerce_grpo.evaluate import evaluate_arm  # noqa: E402
from commerce_grpo.tasks import REGISTRY  # noqa: E402
from commerce_grpo.train.grpo import train_grpo  # noqa: E402
from commerce_grpo.train.select_best import select_best  # noqa: E402

DEFAULT_TRIPLES = ("7,8,9", "11,12,13", "21,22,23")


def evaluate(paths: dict, cfg: dict, *, arm: str, adapter, out: Path) -> dict[str, dict[str, float]]:
    """{task: {prompt id: reward}} of one arm on the eval prompts (the evaluate rule's call)."""
    rows = evaluate_arm(eval=paths["pairs"] / "eval.jsonl", base=paths["base"], db=paths["db"], adapter=adapter,
                        records=out / f"{arm}.jsonl", meta=out / f"{arm}.meta.json", arm=arm, model=cfg["model"],
                        rewards=cfg["rewards"], decoding=cfg["evaluate"])
    by_task: dict[str, dict[str, float]] = {}
    for row in rows:
        by_task.setdefault(row["task"], {})[row["id"]] = row["reward"]
    return by_task


def run_seed(paths: dict, cfg: dict, grpo: dict, seed: int, out: Path) -> tuple[dict, dict]:
    """grpo → select_best → evaluate for one seed; (per-task rewards, timings and best step)."""
    started = time.perf_counter()
    train_grpo(train=paths["pairs"] / "train.jsonl", validation=paths["pairs"] / "validation.jsonl",
               base=paths["base"], audit=None, db=paths["db"], init_adapter=paths["adapter"], seed=seed,
               work_dir=out / "work", outputs={"checkpoints": out / "checkpoints",
                                               "eval_history": out / "eval_history.csv",
                                               "metrics": out / "metrics.csv"},
               model=cfg["model"], lora=cfg["lora"], rewards=cfg["rewards"], grpo=grpo)
    trained = time.perf_counter()
    best = select_best(checkpoints=out / "checkpoints", eval_history=out / "eval_history.csv", base=paths["base"],
                       outputs={"best": out / "best"}, seed=seed, model=cfg["model"], grpo=grpo)
    scores = evaluate(paths, cfg, arm=f"grpo_seed{seed}", adapter=out / "best", out=out)
    return scores, {"seed": seed, "best_step": best["step"], "grpo_seconds": round(trained - started, 1),
                    "evaluate_seconds": round(time.perf_counter() - trained, 1)}


def test_triple(per_seed: list[dict], sft: dict, cfg: dict, seeds: list[int]) -> list[stats.Comparison]:
    """Per task: prompt means over the seeds vs SFT, Holm-adjusted across tasks (as the report pools)."""
    comparisons = [
        stats.compare(stats.pool_seeds([scores[task] for scores in per_seed]), sft[task],
                      arm=f"grpo_seeds{'-'.join(map(str, seeds))}", baseline="sft", task=task, stage="grpo",
                      bootstrap_samples=cfg["report"]["bootstrap_samples"], seed=cfg["report"]["seed"])
        for task in REGISTRY if task in sft
    ]
    return stats.adjust(comparisons)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--triples", nargs="+", default=list(DEFAULT_TRIPLES), help="comma-separated seed triples")
    parser.add_argument("--results", default="results", help="a built default run's results/ folder")
    parser.add_argument("--db", default="data/commerce.db")
    parser.add_argument("--output", default="results/benchmarks/bench_demo_effect.json")
    parser.add_argument("--quick", action="store_true",
                        help="one triple of 2-step GRPO on inputs built from the test config in a temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench_demo_effect-") as tmp:
        tmp = Path(tmp)
        if args.quick:
            cfg = load_config(TEST_CONFIG)
            paths = build_quick_inputs(cfg, tmp / "inputs", sft=True)
            triples = [[1, 2, 3]]
            grpo = {**cfg["grpo"], "max_steps": 2, "eval_steps": 2, "save_steps": 2, "preflight_steps": 0,
                    "num_generations": 2, "eval_subset": 4,
                    "eval_decoding": {**cfg["grpo"]["eval_decoding"], "max_new_tokens": 16}}
            output = tmp / "bench_demo_effect.json"
        else:
            cfg = load_config(args.config)
            results = Path(args.results)
            paths = {"db": Path(args.db), "pairs": results / "pairs", "base": results / "models" / "base",
                     "adapter": results / "sft" / "adapter"}
            missing = [str(p) for p in paths.values() if not Path(p).exists()]
            if missing:
                sys.exit(f"bench_demo_effect: run the default pipeline first; missing {missing}")
            triples = [[int(s) for s in triple.split(",")] for triple in args.triples]
            grpo = dict(cfg["grpo"])
            output = Path(args.output)
        alpha = cfg["report"]["alpha"]
        sft = evaluate(paths, cfg, arm="sft", adapter=paths["adapter"], out=tmp)
        report, reproduced = [], 0
        for seeds in triples:
            per_seed, runs = [], []
            for seed in seeds:
                scores, run = run_seed(paths, cfg, grpo, seed, tmp / f"seed{seed}")
                per_seed.append(scores)
                runs.append(run)
            comparisons = test_triple(per_seed, sft, cfg, seeds)
            better = [c.task for c in comparisons if stats.significant(c, alpha)]
            worse = [c.task for c in comparisons if stats.worse(c, alpha)]
            shows = bool(better) and not worse
            reproduced += shows
            print(f"seeds {seeds}: {'reproduces' if shows else 'does not reproduce'} the effect "
                  f"(better: {better or 'none'}; worse: {worse or 'none'})")
            for c in comparisons:
                print(f"  {c.task:<11} SFT {c.mean_baseline:.3f}  GRPO {c.mean_arm:.3f}  Δ {c.delta:+.3f}  "
                      f"p(Holm) {c.p_holm:.4f}  p(Holm, worse) {c.p_holm_less:.4f}  {stats.outcome(c, alpha)}")
            for run in runs:
                print(f"  seed {run['seed']}: best step {run['best_step']}, GRPO {run['grpo_seconds']} s, "
                      f"evaluate {run['evaluate_seconds']} s")
            report.append({"seeds": seeds, "reproduces": shows, "better": better, "worse": worse, "runs": runs,
                           "comparisons": [c.to_json() for c in comparisons]})
        print(f"{reproduced} of {len(triples)} seed triples reproduce the effect "
              f"(GRPO > SFT on >= 1 task at p(Holm) < {alpha}, worse on none)")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps({"alpha": alpha, "reproduced": reproduced, "triples": report,
                                      "grpo": stats.json_safe(grpo)}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
