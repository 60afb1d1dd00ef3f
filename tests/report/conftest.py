"""Report fixtures: eval records for every arm and the files of every other stage, each in the
layout its writer uses (the report's readers are strict)."""
import json
from pathlib import Path

import numpy as np
import pytest

from commerce_grpo.arms import arm_name, init_arm
from commerce_grpo.eval_files import META_KEYS
from commerce_grpo.tasks import ALL
from commerce_grpo.train.validation import history_columns

COUNTS = {"extraction": 20, "sql_qa": 15, "insights": 15, "push": 15}
# SFT's effect over base, then GRPO's over the arm it started from. insights: SFT gains a lot and GRPO
# gives part of it back (above base, below SFT: the case that once credited GRPO with SFT's gain);
# extraction: GRPO's own gain; sql_qa: noise only; push: GRPO's rewards equal its init arm's (all tied).
SFT_EFFECT = {"extraction": 0.0, "sql_qa": 0.0, "insights": 0.3, "push": 0.0}
GRPO_EFFECT = {"extraction": 0.2, "sql_qa": 0.0, "insights": -0.1, "push": None}
# The config's rewards section as the report rule passes it (the judge off unless a test turns it on).
REWARDS = {"preset": "correctness", "judge": {"enabled": False}}
METRICS = "step,loss,entropy,completions/clipped_ratio\n1,0.1,1.2,0.5\n2,0.1,0.9,0.2\n"
SAMPLES = 2
PLAN = {"primary": "grpo_vs_init", "overall": "in_family", "direction": "two-sided"}
DEMO = {"run_name": "fixture", "demo": True,
        "model": {"id": "embedded-tiny", "backend": "auto", "load_in_4bit": False},
        "decoding": {"temperature": 0.1, "top_p": 1.0, "top_k": 0, "max_new_tokens": 128, "batch_size": 32, "seed": 1,
                     "samples_per_prompt": SAMPLES}}


def _write_jsonl(path: Path, records) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def write_arm(root: Path, arm: str, rewards: dict[str, float], tasks: dict[str, str], *, blind=(),
              k: int = SAMPLES) -> tuple[str, str]:
    """One arm's eval file in the writer's layout: k samples per prompt spread around the prompt's
    score, each output also scored against the next prompt of its task (the swap partner). An output
    that reads its input keeps 0.3 of its reward there; on a task in ``blind`` the arm writes one
    template for every prompt and keeps all of it."""
    by_task: dict[str, list[str]] = {}
    for i in rewards:
        by_task.setdefault(tasks[i], []).append(i)
    partner = {ids[n]: ids[(n + 1) % len(ids)] for ids in by_task.values() for n in range(len(ids))}
    records = []
    for i, r in rewards.items():
        spread = min(0.05, r, 1 - r)
        samples = [r - spread, r + spread] if k == 2 else [r] * k
        template = tasks[i] in blind
        texts = [f"{arm} template ``` fence" if template else f"{arm} answer {s} to {i} ``` fence" for s in range(k)]
        records.append({"id": i, "task": tasks[i], "arm": arm, "completion": texts[0], "reward": r,
                        "components": {"total": r}, "completions": texts, "rewards": samples,
                        "swap": {"partner": partner[i],
                                 "rewards": samples if template else [0.3 * v for v in samples]}})
    path = _write_jsonl(root / "eval" / f"{arm}.jsonl", records)
    meta = root / "eval" / f"{arm}.meta.json"
    meta.write_text(json.dumps(dict.fromkeys(META_KEYS, None) | {"arm": arm, "device": "cpu", "backend": "hf",
                                                                 "prompts": len(records), "samples_per_prompt": k}))
    return path, str(meta)


def audit_file(root: Path, preset: str = "correctness", counts=COUNTS, judge=None) -> Path:
    """A passing reward audit in the layout of ``commerce_grpo.audit.read_audit``; ``judge`` is the
    entry ``audit.judge_audit`` writes (``{"enabled": False}`` when the judge is off)."""
    tasks = {t: {"n_items": 60, "n_prompts": 15, "raters": ["r1", "r2"], "spearman_per_rater": {"r1": 0.8, "r2": 0.7},
                 "spearman_mean": 0.82, "inter_rater": {"metric": "spearman", "value": 0.75},
                 "adversarial_accuracy": 1.0, "passed": True, "reasons": []} for t in counts}
    path = root / "reward_audit.json"
    path.write_text(json.dumps({
        "preset": preset, "gate": {"min_spearman": 0.6, "min_adversarial_accuracy": 0.95, "min_gold_sql": 0.85,
                                     "max_swap_ratio": 0.4},
        "passed": True, "reward_errors": 0, "tasks": tasks,
        "sandbox": {"gold_checked": 12, "gold_min_score": 1.0, "errors": 0, "passed": True},
        "parser": {"references": 4, "total": {"n": 24, "json_loads": 8, "ours": 24, "ours_equal_gold": 24}},
        "classifier": {"eval": {"n": 65, "correct": 65, "misrouted": []}}, "judge": judge or {"enabled": False},
        "swap": {"max_ratio": 0.4, "passed": True,
                 "tasks": {t: {"pairs": 16, "honest_mean": 0.9, "swapped_mean": 0.1, "ratio": 0.1111, "measured": True,
                               "passed": True} for t in counts}}}))
    return path


def stats_file(root: Path, source: str = "synthetic", counts=COUNTS) -> Path:
    """Pair stats in the layout of ``commerce_grpo.data.pair_files.read_stats``."""
    path = root / "stats.json"
    path.write_text(json.dumps({
        "source": source,
        "counts": {"train": {t: 100 * n for t, n in counts.items()}, "validation": {t: 2 for t in counts},
                   "eval": counts},
        "total": {"train": 6500, "validation": 8, "eval": 65},
        "lengths": {t: {"prompt_chars": {"n": 3, "mean": 120.5, "p50": 118, "p95": 160},
                        "reference_chars": {"n": 3, "mean": 80.0, "p50": 79, "p95": 90}} for t in counts},
        "coverage": {}, "database": {}, "text": {}, "labeller": {}}))
    return path


def history_file(path: Path, counts=COUNTS) -> str:
    """eval_history.csv with exactly validation.history_columns(tasks); sql_qa stays flat."""
    columns = history_columns([task for task in ALL if task in counts])  # the writer's (registry) order
    rows = []
    for s in (0, 10, 20, 30, 40):
        row = dict.fromkeys(columns, "")
        row.update({"step": s, "reward": 0.3, "n_prompts": 8, "eval_seconds": 1.0})
        row.update({f"reward_{t}": 0.3 + 0.01 * s * (t != "sql_qa") for t in counts})
        rows.append(",".join(str(row[c]) for c in columns))
    path.write_text(",".join(columns) + "\n" + "\n".join(rows) + "\n")
    return str(path)


def make_inputs(root: Path, *, seeds=(42, 123), sft=True, from_base=False, grpo_init="sft",
                source="synthetic", counts=COUNTS, rewards=REWARDS, audit_judge=None, grpo_metrics=METRICS,
                blind_tasks=(), floor_tasks=(), configured_seeds=None, plan=PLAN) -> dict:
    """Every input of the report rule. ``counts`` gives the tasks and their eval prompts (a task
    outside SFT_EFFECT/GRPO_EFFECT gains 0.1 from GRPO); ``audit_judge`` is the audit's judge
    entry; ``grpo_metrics`` the text of every GRPO arm's metrics.csv; on ``blind_tasks`` every GRPO
    arm answers with one template (a data-blind arm); ``configured_seeds`` are the config files'
    seeds (default: ``seeds``)."""
    rng = np.random.default_rng(0)
    tasks, base = {}, {}
    for task, n in counts.items():
        for k in range(n):
            pid = f"{task}-{k:06d}"
            tasks[pid] = task
            base[pid] = round(float(rng.uniform(0.2, 0.6)), 3)
    scores = {"base": base}
    if sft:
        noise = np.random.default_rng(1)
        scores["sft"] = {i: round(float(np.clip(r + SFT_EFFECT.get(tasks[i], 0.0) + noise.normal(0, 0.02), 0, 1)), 3)
                         for i, r in base.items()}
    runs = ["grpo", "grpo_from_base"] if from_base else ["grpo"]
    grpo_arms = [arm_name(run, seed) for run in runs for seed in seeds]
    for run in runs:
        for seed in seeds:
            start = scores[init_arm(run, grpo_init)]
            noise = np.random.default_rng(seed)
            effect = {task: GRPO_EFFECT.get(task, 0.1) for task in counts}
            scores[arm_name(run, seed)] = {
                i: r if effect[tasks[i]] is None
                else round(float(np.clip(r + effect[tasks[i]] + noise.normal(0, 0.05), 0, 1)), 3)
                for i, r in start.items()}
    for by_id in scores.values():
        by_id.update({i: 0.0 for i in by_id if tasks[i] in floor_tasks})
    evals, metas = zip(*(write_arm(root, arm, by_id, tasks, blind=blind_tasks if arm in grpo_arms else ())
                         for arm, by_id in scores.items()))
    histories, best, metrics = [], [], []
    for arm in grpo_arms:
        arm_dir = root / "grpo_runs" / arm
        (arm_dir / "best").mkdir(parents=True)
        (arm_dir / "best" / "best.json").write_text(json.dumps({
            "seed": 1, "step": 40, "reward": 0.42, "reward_per_task": {t: 0.4 for t in counts},
            "metrics": {"extraction_json_valid_rate": 0.5}, "why": "peak", "evaluations": 5, "last_step": 40,
            "history": [{"step": 0, "reward": 0.3}]}))
        histories.append(history_file(arm_dir / "eval_history.csv", counts))
        best.append(str(arm_dir / "best"))
        (arm_dir / "metrics.csv").write_text(grpo_metrics)
        metrics.append(str(arm_dir / "metrics.csv"))
    (root / "sft").mkdir()
    (root / "sft" / "metrics.csv").write_text(
        "step,epoch,eval_loss,grad_norm,learning_rate,loss,train_loss\n1,0.3,,1.0,0.002,3.0,\n2,0.6,2.7,,,,\n"
        "2,0.6,,,,,2.9\n")
    bench = root / "benchmarks"
    (bench / "grpo").mkdir(parents=True)
    (bench / "grpo" / "seed42.tsv").write_text("s\th:m:s\tmax_rss\n12.5\t0:00:12\t100\n")
    (bench / "pairs.tsv").write_text("s\th:m:s\tmax_rss\n2.5\t0:00:02\t100\n")
    return {
        "evals": list(evals), "metas": list(metas),
        "audit": str(audit_file(root, rewards.get("preset", "correctness"), counts, audit_judge)),
        "pairs_stats": str(stats_file(root, source, counts)),
        "sft_metrics": str(root / "sft" / "metrics.csv") if sft else [], "eval_histories": histories, "best": best,
        "grpo_metrics": metrics, "benchmarks": [str(bench / "grpo" / "seed42.tsv"), str(bench / "pairs.tsv")],
        "outputs": {"md": str(root / "final_report.md"), "json": str(root / "final_report.json"),
                    "config": str(root / "config.effective.yaml"), "figures": str(root / "figures")},
        "arms": list(scores), "grpo_arms": grpo_arms, "grpo_init": grpo_init, "rewards": rewards,
        **DEMO, "effective_config": {"run_name": "fixture", "seeds": list(seeds)},
        "configured_seeds": list(seeds if configured_seeds is None else configured_seeds),
        "sft_tasks": ["extraction", "push"] if sft else [], "task_mix": {"extraction": 0, "push": 1, "insights": 1},
        "alpha": 0.05, "bootstrap_samples": 500, "seed": 7, "plan": plan, "entropy_floor": 0.05,
    }


@pytest.fixture
def make_report_inputs():
    """Factory: make_report_inputs(root, seeds=..., sft=..., from_base=..., grpo_init=..., source=...)."""
    return make_inputs


@pytest.fixture
def report_inputs(tmp_path) -> dict:
    return make_inputs(tmp_path)
