"""Report fixtures: synthetic eval records for every arm, histories, best.json, audit, benchmarks."""
import json
from pathlib import Path

import numpy as np
import pytest

COUNTS = {"extraction": 20, "sql_qa": 15, "insights": 15, "push": 15}
# Tuned-arm effect per task: clear gains, a regression, and push identical to base (all tied).
EFFECT = {"extraction": 0.2, "sql_qa": -0.05, "insights": 0.15, "push": 0.0}
CONFIG = {
    "run_name": "fixture",
    "demo": True,
    "seeds": [42, 123, 456],
    "model": {"id": "embedded-tiny", "backend": "auto", "load_in_4bit": False},
    "pairs": {"train": {"extraction": 592, "sql_qa": 444, "insights": 296, "push": 148}, "scale": 1.0},
    "audit": {"min_spearman": 0.6},
    "evaluate": {"temperature": 0.1, "top_p": 1.0, "top_k": 0, "max_new_tokens": 128, "batch_size": 32, "seed": 1},
}


def _write_jsonl(path: Path, records) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def write_arm(root: Path, arm: str, rewards: dict[str, float], tasks: dict[str, str]) -> str:
    records = [
        {"id": i, "task": tasks[i], "arm": arm, "completion": f"{arm} answer to {i} ``` fence",
         "reward": r, "components": {"total": r}}
        for i, r in rewards.items()
    ]
    path = _write_jsonl(root / "eval" / f"{arm}.jsonl", records)
    (root / "eval" / f"{arm}.meta.json").write_text(json.dumps({"device": "cpu", "backend": "hf"}))
    return path


def make_inputs(root: Path, *, seeds=(42, 123), configured=(42, 123, 456), sft=True) -> dict:
    rng = np.random.default_rng(0)
    tasks, base = {}, {}
    for task, n in COUNTS.items():
        for k in range(n):
            pid = f"{task}-{k:06d}"
            tasks[pid] = task
            base[pid] = round(float(rng.uniform(0.2, 0.6)), 3)
    evals = [write_arm(root, "base", base, tasks)]
    arms = ["base"]
    if sft:
        evals.append(write_arm(root, "sft", {i: round(r + 0.02 * (k % 3), 3) for k, (i, r) in enumerate(base.items())}, tasks))
        arms.append("sft")
    histories, best = [], []
    for seed in configured:
        arms.append(f"grpo_seed{seed}")
        if seed not in seeds:
            continue
        noise = np.random.default_rng(seed)
        tuned = {i: r if EFFECT[tasks[i]] == 0 else round(float(np.clip(r + EFFECT[tasks[i]] + noise.normal(0, 0.05), 0, 1)), 3)
                 for i, r in base.items()}
        evals.append(write_arm(root, f"grpo_seed{seed}", tuned, tasks))
        seed_dir = root / "grpo" / f"seed{seed}"
        (seed_dir / "best").mkdir(parents=True)
        # The formats select_best and the GRPO validation callback write.
        (seed_dir / "best" / "best.json").write_text(json.dumps({
            "seed": seed, "step": 40, "reward": 0.42, "reward_per_task": {t: 0.4 for t in COUNTS},
            "metrics": {"extraction_json_valid_rate": 0.5}, "why": "peak", "evaluations": 5, "last_step": 40,
            "history": [{"step": 0, "reward": 0.3}]}))
        header = "step,reward," + ",".join(f"reward_{t}" for t in COUNTS) + ",extraction_json_valid_rate,n_prompts"
        rows = [header] + [f"{s},0.3," + ",".join(str(0.3 + 0.01 * s * (t != "sql_qa")) for t in COUNTS) + ",0.5,8"
                           for s in (0, 10, 20, 30, 40)]
        (seed_dir / "eval_history.csv").write_text("\n".join(rows) + "\n")
        histories.append(str(seed_dir / "eval_history.csv"))
        best.append(str(seed_dir / "best"))
    # The formats the audit, the pairs stage and TRL's log history (SFT) write.
    (root / "audit.json").write_text(json.dumps({
        "gate": {"min_spearman": 0.6, "passed": True},
        "spearman": {t: {"n": 10, "rho": 0.8, "p_value": 0.01} for t in COUNTS},
        "parser": {"references": 4, "total": {"n": 24, "json_loads": 8, "ours": 24, "ours_equal_gold": 24}},
        "reward_errors": 0}))
    (root / "stats.json").write_text(json.dumps({
        "counts": {"train": {t: 100 * n for t, n in COUNTS.items()}, "eval": COUNTS},
        "total": {"train": 6500, "eval": 65},
        "lengths": {t: {"prompt_chars": {"n": 3, "mean": 120.5, "p50": 118, "p95": 160},
                        "reference_chars": {"n": 3, "mean": 80.0, "p50": 79, "p95": 90}} for t in COUNTS}}))
    (root / "sft").mkdir()
    (root / "sft" / "metrics.csv").write_text(
        "step,epoch,eval_loss,grad_norm,learning_rate,loss\n1,0.3,,1.0,0.002,3.0\n2,0.6,2.7,,,\n2,0.6,,0.9,0.002,2.5\n")
    bench = root / "benchmarks" / "grpo"
    bench.mkdir(parents=True)
    (bench / "seed42.tsv").write_text("s\th:m:s\tmax_rss\n12.5\t0:00:12\t100\n")
    return {
        "evals": evals, "audit": str(root / "audit.json"), "pairs_stats": str(root / "stats.json"),
        "sft_metrics": str(root / "sft" / "metrics.csv") if sft else [], "eval_histories": histories, "best": best,
        "outputs": {"md": str(root / "final_report.md"), "json": str(root / "final_report.json"),
                    "figures": str(root / "figures")},
        "config": CONFIG, "arms": arms, "seeds": list(configured), "benchmarks_dir": str(root / "benchmarks"),
        "alpha": 0.05, "bootstrap_samples": 500, "seed": 7,
    }


@pytest.fixture
def make_report_inputs():
    """Factory: make_report_inputs(root, seeds=..., configured=..., sft=...) → build_report kwargs."""
    return make_inputs


@pytest.fixture
def report_inputs(tmp_path) -> dict:
    return make_inputs(tmp_path)
