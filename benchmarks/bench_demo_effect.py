"""Does the demo's GRPO effect read its input, and is it luck? Every arm's input sensitivity, and
GRPO reruns for other seed triples.

    python benchmarks/bench_demo_effect.py [--config config/config.yaml] [--triples 7,8,9 11,12,13 21,22,23]
    python benchmarks/bench_demo_effect.py --quick

Uses a built default run's artifacts (results/models/base, results/sft/adapter, results/pairs,
results/eval, data/commerce.db; ``--results``/``--db`` point elsewhere) and the config's ``grpo``
and ``evaluate`` sections. The SFT arm and the default seeds' GRPO arms are the default run's own
eval files; each seed of each ``--triples`` triple is rerun exactly as the pipeline's grpo →
select_best → evaluate rules do (work in a temporary folder; nothing under results/ changes except
the JSON written to ``--output``).

Per arm and task it prints the mean eval reward, the input sensitivity (L-reward-spec; the
report's ``blindness``): each output scored against its own prompt minus scored against a partner
prompt of the task (``commerce_grpo.swaps``), of the same kind (extraction: the same star rating;
push: the same intent) and of another kind, and the share of outputs that another prompt of the
task got verbatim too. An output that ignores its prompt loses nothing on a swap; the same-kind
swap keeps fixed what a template may legitimately read and asks whether the specifics are read.

Each triple is tested like the report tests the default seeds (``commerce_grpo.stats``): per task,
each eval prompt's GRPO reward averaged over the triple's seeds against the SFT arm's reward on
it, exact one-sided Wilcoxon both ways, Holm across tasks. A triple "reproduces" the effect when
GRPO beats SFT on at least one task on which the GRPO arms' mean same-kind sensitivity is at
least ``--min-sensitivity``, and is significantly worse on none (p Holm < alpha, the ``report``
section's).

Each rerun seed costs about one GRPO stage plus one evaluation of the default run (about 2 min on
2 free cores), so the default three triples take about 20 min.

``--quick`` proves the benchmark runs and measures nothing worth quoting: it builds commerce.db,
pairs, base model and a 1-epoch SFT from the fast test config (tests/config/config.yaml) in a
temporary folder, evaluates the SFT arm there, then runs one triple of 2-step GRPO.
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
from commerce_grpo.data.pairs import read_pairs  # noqa: E402
from commerce_grpo.eval_files import read_eval  # noqa: E402
from commerce_grpo.evaluate import evaluate_arm  # noqa: E402
from commerce_grpo.report.blindness import input_sensitivity  # noqa: E402
from commerce_grpo.rewards import score  # noqa: E402
from commerce_grpo.swaps import swap_partners  # noqa: E402
from commerce_grpo.tasks import REGISTRY  # noqa: E402
from commerce_grpo.train.grpo import train_grpo  # noqa: E402
from commerce_grpo.train.select_best import select_best  # noqa: E402

DEFAULT_TRIPLES = ("7,8,9", "11,12,13", "21,22,23")
MIN_SENSITIVITY = 0.15  # issue 28's bar for a gain that reads the input


def evaluate(paths: dict, cfg: dict, *, arm: str, adapter, out: Path) -> dict[str, dict]:
    """{prompt id: eval record} of one arm (the evaluate rule's call)."""
    evaluate_arm(eval=paths["pairs"] / "eval.jsonl", base=paths["base"], db=paths["db"], adapter=adapter,
                 records=out / f"{arm}.jsonl", meta=out / f"{arm}.meta.json", arm=arm, model=cfg["model"],
                 rewards=cfg["rewards"], decoding=cfg["evaluate"])
    return read_eval(out / f"{arm}.jsonl", arm)


def run_seed(paths: dict, cfg: dict, grpo: dict, seed: int, out: Path) -> tuple[dict, dict]:
    """grpo → select_best → evaluate for one seed; (eval records, timings and best step)."""
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
    records = evaluate(paths, cfg, arm=f"grpo_seed{seed}", adapter=out / "best", out=out)
    return records, {"seed": seed, "best_step": best["step"], "grpo_seconds": round(trained - started, 1),
                     "evaluate_seconds": round(time.perf_counter() - trained, 1)}


def sensitivity(records: dict[str, dict], pairs: dict[str, dict], cfg: dict, db) -> dict[str, dict]:
    """Per task: mean reward, same-kind and other-kind swap sensitivity, share of verbatim repeats.

    The same-kind figures are the report's (the eval records' own swap scores); the other-kind
    partners are drawn by ``swap_partners`` with the same seed and each sample scored against them."""
    tasks = sorted({r["task"] for r in records.values()})
    same = input_sensitivity({"arm": records}, tasks)["arm"]
    others = swap_partners(pairs.values(), same_kind=False, seed=cfg["evaluate"]["seed"])
    table = {}
    for task in tasks:
        chosen = [r for r in records.values() if r["task"] == task]
        drops = [r["reward"] - sum(score(pairs[others[r["id"]]], text, db=str(db), config=cfg["rewards"]).total
                                   for text in r["completions"]) / len(r["completions"])
                 for r in chosen if r["id"] in others]
        table[task] = {"reward": sum(r["reward"] for r in chosen) / len(chosen), "same": same[task]["sensitivity"],
                       "other": sum(drops) / len(drops) if drops else None,
                       "verbatim": same[task]["repeated_share"]}
    return table


def rewards_by_task(records: dict[str, dict]) -> dict[str, dict[str, float]]:
    """{task: {prompt id: reward}}, what ``stats`` compares."""
    scores: dict[str, dict[str, float]] = {}
    for record in records.values():
        scores.setdefault(record["task"], {})[record["id"]] = record["reward"]
    return scores


def test_triple(per_seed: list[dict], sft: dict, cfg: dict, seeds: list[int]) -> list[stats.Comparison]:
    """Per task: prompt means over the seeds vs SFT, Holm-adjusted across tasks (as the report pools)."""
    comparisons = [
        stats.compare(stats.pool_seeds([scores[task] for scores in per_seed]), sft[task],
                      arm=f"grpo_seeds{'-'.join(map(str, seeds))}", baseline="sft", task=task, stage="grpo",
                      alternative=cfg["report"]["plan"]["direction"],
                      bootstrap_samples=cfg["report"]["bootstrap_samples"], seed=cfg["report"]["seed"])
        for task in REGISTRY if task in sft
    ]
    return stats.adjust(comparisons)


def print_sensitivity(arm: str, table: dict) -> None:
    for task, row in table.items():
        drops = "  ".join(f"{name}-kind {'–' if row[name] is None else f'{row[name]:+.3f}'}" for name in ("same", "other"))
        print(f"  {arm:<16} {task:<11} reward {row['reward']:.3f}  swap sensitivity: {drops}  "
              f"verbatim {row['verbatim']:.0%}")


def judge_triple(seeds: list[int], arms: list[dict], sft: dict, pairs: dict, cfg: dict, *, db,
                 min_sensitivity: float) -> dict:
    """Test one triple against SFT and print its table; the JSON row of the triple."""
    alpha = cfg["report"]["alpha"]
    tables = [sensitivity(records, pairs, cfg, db) for records in arms]
    same = {task: _mean([t[task]["same"] for t in tables if t[task]["same"] is not None]) for task in tables[0]}
    comparisons = test_triple([rewards_by_task(records) for records in arms], rewards_by_task(sft), cfg, seeds)
    better = [c.task for c in comparisons if stats.significant(c, alpha)]
    read = [task for task in better if same.get(task) is not None and same[task] >= min_sensitivity]
    worse = [c.task for c in comparisons if stats.worse(c, alpha)]
    shows = bool(read) and not worse
    print(f"seeds {seeds}: {'reproduces' if shows else 'does not reproduce'} the effect "
          f"(better: {better or 'none'}; of them with same-kind sensitivity >= {min_sensitivity}: {read or 'none'}; "
          f"worse: {worse or 'none'})")
    for c in comparisons:
        print(f"  {c.task:<11} SFT {c.mean_baseline:.3f}  GRPO {c.mean_arm:.3f}  Δ {c.delta:+.3f}  "
              f"p(Holm) {c.p_holm:.4f}  p(Holm, worse) {c.p_holm_less:.4f}  {stats.outcome(c, alpha)}")
    for seed, table in zip(seeds, tables):
        print_sensitivity(f"grpo_seed{seed}", table)
    return {"seeds": seeds, "reproduces": shows, "better": better, "better_read": read, "worse": worse,
            "same_kind_sensitivity": same, "sensitivity": dict(zip(map(str, seeds), tables)),
            "comparisons": [c.to_json() for c in comparisons]}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--triples", nargs="*", default=list(DEFAULT_TRIPLES),
                        help="comma-separated seed triples to rerun beside the default seeds (none: only those)")
    parser.add_argument("--results", default="results", help="a built default run's results/ folder")
    parser.add_argument("--db", default="data/commerce.db")
    parser.add_argument("--output", default="results/benchmarks/bench_demo_effect.json")
    parser.add_argument("--min-sensitivity", type=float, default=MIN_SENSITIVITY,
                        help="same-kind swap sensitivity a task's GRPO gain must come with to count")
    parser.add_argument("--quick", action="store_true",
                        help="one triple of 2-step GRPO on inputs built from the test config in a temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench_demo_effect-") as tmp:
        tmp = Path(tmp)
        if args.quick:
            cfg = load_config(TEST_CONFIG)
            paths = build_quick_inputs(cfg, tmp / "inputs", sft=True)
            sft = evaluate(paths, cfg, arm="sft", adapter=paths["adapter"], out=tmp)
            default, triples = {}, [[1, 2, 3]]
            grpo = {**cfg["grpo"], "max_steps": 2, "eval_steps": 2, "save_steps": 2, "preflight_steps": 0,
                    "num_generations": 2, "eval_subset": 4,
                    "eval_decoding": {**cfg["grpo"]["eval_decoding"], "max_new_tokens": 16}}
            output = tmp / "bench_demo_effect.json"
        else:
            cfg = load_config(args.config)
            results = Path(args.results)
            paths = {"db": Path(args.db), "pairs": results / "pairs", "base": results / "models" / "base",
                     "adapter": results / "sft" / "adapter"}
            default = {seed: results / "eval" / f"grpo_seed{seed}.jsonl" for seed in cfg["seeds"]}
            missing = [str(p) for p in [*paths.values(), results / "eval" / "sft.jsonl", *default.values()]
                       if not Path(p).exists()]
            if missing:
                sys.exit(f"bench_demo_effect: run the default pipeline first; missing {missing}")
            sft = read_eval(results / "eval" / "sft.jsonl", "sft")
            triples = [[int(s) for s in triple.split(",")] for triple in args.triples]
            grpo = dict(cfg["grpo"])
            output = Path(args.output)
        pairs = {record["id"]: record for record in read_pairs(paths["pairs"] / "eval.jsonl")}
        sft_table = sensitivity(sft, pairs, cfg, paths["db"])
        print("SFT arm (the baseline of every triple):")
        print_sensitivity("sft", sft_table)
        report = []
        if default:
            print(f"default seeds {list(default)} (the default run's eval files):")
            arms = [read_eval(path, f"grpo_seed{seed}") for seed, path in default.items()]
            report.append(judge_triple(list(default), arms, sft, pairs, cfg, db=paths["db"],
                                       min_sensitivity=args.min_sensitivity) | {"default": True})
        for seeds in triples:
            arms, runs = [], []
            for seed in seeds:
                records, run = run_seed(paths, cfg, grpo, seed, tmp / f"seed{seed}")
                arms.append(records)
                runs.append(run)
            report.append(judge_triple(seeds, arms, sft, pairs, cfg, db=paths["db"],
                                       min_sensitivity=args.min_sensitivity) | {"runs": runs})
            for run in runs:
                print(f"  seed {run['seed']}: best step {run['best_step']}, GRPO {run['grpo_seconds']} s, "
                      f"evaluate {run['evaluate_seconds']} s")
        reproduced = sum(triple["reproduces"] for triple in report)
        print(f"{reproduced} of {len(report)} seed triples reproduce the effect (GRPO > SFT at p(Holm) < "
              f"{cfg['report']['alpha']} on >= 1 task with same-kind sensitivity >= {args.min_sensitivity}, "
              f"worse on none)")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps({"alpha": cfg["report"]["alpha"], "min_sensitivity": args.min_sensitivity,
                                      "reproduced": reproduced, "sft": sft_table, "triples": report,
                                      "grpo": stats.json_safe(grpo)}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
