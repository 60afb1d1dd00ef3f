"""The `report` rule: statistics, figures and results/final_report.{md,json}.

The report reads results and never recomputes training (STYLE.md). It runs with whatever seeds
finished (``--keep-going`` after a failed seed) and names the missing ones. The JSON is written
first and the Markdown is rendered from it alone, so every number in the Markdown is in the JSON.
"""
from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path

from commerce_grpo import stats
from commerce_grpo.report import analysis, figures, inputs, provenance
from commerce_grpo.report.markdown import render

log = logging.getLogger(__name__)

REBUILD = "snakemake --cores 1 --resources gpu=1"

__all__ = ["build_report"]


def build_report(*, evals, audit, pairs_stats, sft_metrics, eval_histories, best, outputs, config, arms, seeds,
                 benchmarks_dir, alpha, bootstrap_samples, seed, grpo_metrics=(), entropy_floor=0.05) -> dict:
    """Write outputs["md"], outputs["json"] and PNGs into outputs["figures"]; return the report dict."""
    md_path, json_path, fig_dir = Path(outputs["md"]), Path(outputs["json"]), Path(outputs["figures"])
    fig_dir.mkdir(parents=True, exist_ok=True)
    eval_paths = _as_list(evals)
    if not any(inputs.arm_of(p) == "base" for p in eval_paths):
        raise ValueError(f"report: no base arm among the eval files {eval_paths}; every comparison needs it")
    records = {inputs.arm_of(p): inputs.read_eval(p) for p in eval_paths}
    metas = {arm: inputs.read_eval_meta(p) for arm, p in zip(records, eval_paths)}
    arms_ = analysis.Arms.from_records(records)
    tasks = arms_.tasks()

    histories = {inputs.seed_of(p): inputs.read_eval_history(p) for p in _as_list(eval_histories) if Path(p).exists()}
    best_by_seed = {inputs.seed_of(p): inputs.read_best(p) for p in _as_list(best)}
    entropy = analysis.entropy_collapse(
        {inputs.seed_of(p): inputs.read_grpo_entropy(p) for p in _as_list(grpo_metrics) if Path(p).exists()},
        entropy_floor)
    comparisons = analysis.comparisons(arms_, bootstrap_samples=bootstrap_samples, seed=seed)
    main = arms_.main_group
    main_arm = analysis.pooled_arm(main) if main else None

    audit_info = audit_summary(inputs.read_json(audit), tasks, config)
    data = inputs.read_json(pairs_stats)
    tuned_records = [records[arm] for arm in arms_.groups[main].values()] if main else []
    diagnosis = [
        analysis.diagnose(
            task, comparison=analysis.find(comparisons, main_arm, "base", task) if main_arm else None,
            alpha=alpha, audit_rho=audit_info["per_task"].get(task, {}).get("spearman"),
            audit_gate=audit_info["gate"], train_prompts=train_prompts(data, config, task),
            trend=analysis.validation_trend(histories, task),
            insensitive=analysis.insensitive_share(task, records["base"], tuned_records),
        )
        for task in tasks
    ]
    example_arm = next(iter(arms_.groups[main].values())) if main else None
    examples = [e for t in tasks if example_arm and (e := analysis.example(t, records["base"], records[example_arm]))]

    means = {arm: {part: float(sum(s.values()) / len(s)) for part, s in by_part.items()}
             for arm, by_part in arms_.scores.items()}
    figure_files = {
        "sft_loss": figures.sft_loss(inputs.read_sft_metrics(_single(sft_metrics)), fig_dir),
        "grpo_validation": figures.grpo_validation(histories, fig_dir),
        "eval_means": figures.eval_means(means, fig_dir),
    }
    link_root = Path(os.path.relpath(fig_dir, md_path.parent))
    report = {
        "demo": bool(config.get("demo")),
        "header": provenance.header(config=config, metas=metas, benchmarks=inputs.read_benchmarks(benchmarks_dir)),
        "data": data,
        "audit": audit_info,
        "figures": {k: (link_root / v).as_posix() if v else None for k, v in figure_files.items()},
        "best": {str(s): b for s, b in best_by_seed.items()},
        "entropy": entropy,
        "seeds": seed_status(seeds, arms_, histories, best_by_seed),
        "arms": {
            "configured": list(arms), "evaluated": list(records),
            "missing": [a for a in arms if a not in records],
            "groups": {g: {"pooled": analysis.pooled_arm(g), "seeds": list(s), "arms": {str(k): v for k, v in s.items()}}
                       for g, s in arms_.groups.items()},
        },
        "eval_means": means,
        "comparisons": [{**c.to_json(), "significant": stats.significant(c, alpha)} for c in comparisons],
        "seed_summary": analysis.seed_summary(arms_),
        "scenario": analysis.scenario(comparisons, main_arm, tasks, alpha),
        "diagnosis_rules": list(analysis.RULES),
        "diagnosis": diagnosis,
        "examples": examples,
        "statistics": method(alpha, bootstrap_samples, seed),
        "rebuild_command": rebuild_command(config),
        "config": config,
    }
    report = stats.json_safe(report)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(render(report), encoding="utf-8")
    log.info("report: %d comparisons, figures %s", len(comparisons), [v for v in figure_files.values() if v])
    return report


def audit_summary(audit: dict, tasks: list[str], config: dict) -> dict:
    """Spearman ρ per task and the gate, wherever the audit file keeps them."""
    gate_block = audit.get("gate") if isinstance(audit.get("gate"), dict) else audit
    gate = _first(gate_block, ("min_spearman", "gate", "threshold"))
    if not _finite(gate):
        gate = config.get("audit", {}).get("min_spearman")
    per_task = {}
    containers = [audit] + [audit[k] for k in ("spearman", "tasks", "per_task", "rho", "results") if k in audit]
    for container in containers:
        if isinstance(container, list):
            container = {item.get("task"): item for item in container if isinstance(item, dict)}
        if not isinstance(container, dict):
            continue
        for task in tasks:
            value = container.get(task)
            if task in per_task or value is None:
                continue
            if isinstance(value, dict):
                rho = _first(value, ("spearman", "rho", "spearman_rho", "correlation"))
                per_task[task] = {"spearman": rho, "n": _first(value, ("n", "count")),
                                  "passed": value.get("passed", rho >= gate if _finite(rho) and gate is not None else None)}
            elif _finite(value):
                per_task[task] = {"spearman": value, "n": None,
                                  "passed": value >= gate if gate is not None else None}
    passed = _first(gate_block, ("passed", "gate_passed", "ok"))
    parser = audit.get("parser", {}).get("total") if isinstance(audit.get("parser"), dict) else None
    return {"gate": gate, "passed": passed, "per_task": per_task, "parser": parser,
            "reward_errors": audit.get("reward_errors")}


def train_prompts(data: dict, config: dict, task: str) -> int | None:
    """Training prompts of a task: the pairs stats when they say, else the configured count × scale."""
    for path in (("train",), ("splits", "train"), ("counts", "train")):
        node = data
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        value = node.get(task) if isinstance(node, dict) else None
        if isinstance(value, dict):
            value = _first(value, ("count", "n", "prompts"))
        if _finite(value):
            return int(value)
    pairs = config.get("pairs", {})
    if task in pairs.get("train", {}):
        return round(pairs["train"][task] * pairs.get("scale", 1.0))
    return None


def seed_status(configured, arms_: analysis.Arms, histories: dict, best: dict) -> dict:
    """Which configured seeds lack an evaluated arm, a best checkpoint or an eval history."""
    configured = [int(s) for s in configured]
    evaluated = {s for seeds in arms_.groups.values() for s in seeds}
    return {
        "configured": configured,
        "missing": {
            "GRPO arm not evaluated": [s for s in configured if s not in evaluated],
            "no best checkpoint": [s for s in configured if not best.get(s)],
            "no GRPO eval history": [s for s in configured if s not in histories],
        },
    }


def method(alpha: float, bootstrap_samples: int, seed: int) -> dict:
    return {
        "alpha": alpha,
        "bootstrap_samples": bootstrap_samples,
        "bootstrap_seed": seed,
        "test": "one-sided paired Wilcoxon signed-rank, scipy.stats.wilcoxon(arm, baseline, "
                "alternative=\"greater\") with scipy's defaults, rewards paired by prompt id",
        "effect_size": "matched-pairs rank-biserial correlation r = (R+ − R−)/(R+ + R−) over untied pairs",
        "interval": f"percentile bootstrap 95% CI of the mean paired difference, {bootstrap_samples} "
                    f"resamples of prompts, seed {seed}",
        "multiple_testing": "Holm step-down across the tasks of each arm/baseline pair; the overall test is "
                            "a single test (p (Holm) = p)",
        "pooling": "pooled arms average each prompt's reward over the seeds that finished, then test the "
                   "prompts (n stays the number of prompts); across seeds: mean ± sd (ddof 1) of per-seed means",
        "zero_differences": stats.ZERO_DIFFERENCE_NOTE,
    }


def rebuild_command(config: dict) -> str:
    """The default target builds this report; a non-default run names its config file again."""
    if config.get("demo"):
        return REBUILD
    return f"{REBUILD} --configfile <the config file of run {config.get('run_name')!r}>"


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [str(value)]
    return [str(v) for v in value]


def _single(value) -> str | None:
    items = _as_list(value)
    return items[0] if items else None


def _first(mapping: dict, keys: tuple[str, ...]):
    return next((mapping[k] for k in keys if isinstance(mapping, dict) and mapping.get(k) is not None), None)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
