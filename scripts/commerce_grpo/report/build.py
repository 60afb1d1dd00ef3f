"""The `report` rule: statistics, figures and results/final_report.{md,json}.

The report reads results and never recomputes training. Every file it reads is a declared input of
the rule, passed by name; per-arm files come in the order of the arm lists passed beside them, so
no arm name is parsed back out of a path. The JSON is written first and the Markdown is rendered
from it alone, so every number in the Markdown is in the JSON.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from commerce_grpo import stats
from commerce_grpo.arms import init_arm, parse_arm
from commerce_grpo.report import analysis, figures, inputs, provenance, scoring
from commerce_grpo.report.markdown import render

log = logging.getLogger(__name__)

REBUILD = "snakemake --cores 1 --resources gpu=1"
AUDIT_TASK_KEYS = ("n_items", "n_prompts", "raters", "spearman_per_rater", "spearman_mean", "inter_rater",
                   "adversarial_accuracy", "passed", "reasons")


def build_report(*, evals, metas, audit, pairs_stats, sft_metrics, eval_histories, best, grpo_metrics, benchmarks,
                 outputs, arms, grpo_arms, grpo_init, rewards, run_name, demo, model, decoding, config_hash,
                 alpha, bootstrap_samples, seed, entropy_floor) -> dict:
    """Write outputs["md"], outputs["json"] and PNGs into outputs["figures"]; return the report dict.

    ``evals``/``metas`` follow ``arms``; ``eval_histories``/``best``/``grpo_metrics`` follow
    ``grpo_arms`` (the GRPO arms, ``commerce_grpo.arms`` names). ``grpo_init`` is the config's
    ``grpo.init``: where the ``grpo`` run started, so GRPO is credited against that arm only.
    ``rewards`` is the config's ``rewards`` section: the preset, weight overrides and the judge.
    """
    md_path, json_path, fig_dir = Path(outputs["md"]), Path(outputs["json"]), Path(outputs["figures"])
    fig_dir.mkdir(parents=True, exist_ok=True)
    evals, metas = _aligned("evals", evals, arms), _aligned("metas", metas, arms)
    histories_in, best_in = _aligned("eval_histories", eval_histories, grpo_arms), _aligned("best", best, grpo_arms)
    metrics_in = _aligned("grpo_metrics", grpo_metrics, grpo_arms)
    if "base" not in evals:
        raise ValueError(f"report: no base arm among the arms {list(arms)}; every comparison needs it")
    for arm in grpo_arms:
        if parse_arm(arm)[1] is None:
            raise ValueError(f"report: {arm!r} is not a GRPO arm")
    records = {arm: inputs.read_eval(path, arm) for arm, path in evals.items()}
    metas_ = {arm: inputs.read_meta(path, arm) for arm, path in metas.items()}
    arms_ = analysis.Arms.from_records(records)
    tasks = arms_.tasks()

    histories = {arm: inputs.read_eval_history(path) for arm, path in histories_in.items()}
    best_by_arm = {arm: inputs.read_best(path) for arm, path in best_in.items()}
    entropy = analysis.entropy_collapse(
        {arm: inputs.read_grpo_entropy(path) for arm, path in metrics_in.items()}, entropy_floor)
    comparisons = analysis.comparisons(arms_, grpo_init=grpo_init, bootstrap_samples=bootstrap_samples, seed=seed)

    audit_data = inputs.read_audit(audit)
    audit_info = audit_summary(audit_data)
    unaudited = [task for task in tasks if task not in audit_info["per_task"]]
    if unaudited:
        raise ValueError(f"{audit}: missing key 'tasks.{unaudited[0]}' (an evaluated task)")
    data = inputs.read_stats(pairs_stats)
    missing = [task for task in tasks if task not in data["counts"]["train"]]
    if missing:
        raise ValueError(f"{pairs_stats}: counts.train lacks the evaluated task(s) {missing}")
    rewards_used = {**scoring.reward_setup(rewards, tasks, data["counts"]),
                    "judge": scoring.judge_setup(rewards, audit_data, str(audit), metrics_in)}
    diagnosis, examples = _diagnosis(arms_, records, comparisons, histories, audit_info, data, grpo_init, alpha)
    main = arms_.main_group

    means = {arm: {part: float(sum(s.values()) / len(s)) for part, s in by_part.items()}
             for arm, by_part in arms_.scores.items()}
    figure_files = {
        "sft_loss": figures.sft_loss(inputs.read_sft_metrics(sft_metrics) if _paths(sft_metrics) else None, fig_dir),
        "grpo_validation": figures.grpo_validation(histories, fig_dir),
        "eval_means": figures.eval_means(means, fig_dir),
    }
    link_root = Path(os.path.relpath(fig_dir, md_path.parent))
    report = {
        "demo": bool(demo),
        "data_source": data["source"],
        "tasks": tasks,
        "rewards": rewards_used,
        "header": provenance.header(run_name=run_name, model=model, decoding=decoding, config_hash=config_hash,
                                    metas=metas_, benchmarks=inputs.read_benchmarks(_paths(benchmarks))),
        "data": data,
        "audit": audit_info,
        "figures": {k: (link_root / v).as_posix() if v else None for k, v in figure_files.items()},
        "best": best_by_arm,
        "entropy": entropy,
        "grpo_init": grpo_init,
        "arms": {
            "evaluated": list(records),
            "groups": {g: {"pooled": analysis.pooled_arm(g), "init_arm": init_arm(g, grpo_init), "seeds": list(s),
                           "arms": {str(k): v for k, v in s.items()}}
                       for g, s in arms_.groups.items()},
        },
        "stages": analysis.STAGES,
        "eval_means": means,
        "comparisons": [{**c.to_json(), "significant": stats.significant(c, alpha), "worse": stats.worse(c, alpha),
                         "outcome": stats.outcome(c, alpha)} for c in comparisons],
        "seed_summary": analysis.seed_summary(arms_, grpo_init),
        "scenario": analysis.scenario(comparisons, analysis.pooled_arm(main) if main else None, tasks, alpha),
        "diagnosis_rules": list(analysis.RULES),
        "diagnosis": diagnosis,
        "examples": examples,
        "statistics": method(alpha, bootstrap_samples, seed, tasks),
        "rebuild_command": rebuild_command(demo, run_name),
    }
    report = stats.json_safe(report)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(render(report), encoding="utf-8")
    log.info("report: %d comparisons, figures %s", len(comparisons), [v for v in figure_files.values() if v])
    return report


def _diagnosis(arms_, records, comparisons, histories, audit_info, data, grpo_init, alpha):
    """Per task, what GRPO did: the main run's pooled arm vs the arm it started from (never vs base,
    which would credit GRPO with SFT's gains, L-stats); one example per task of that change."""
    main = arms_.main_group
    tasks = arms_.tasks()
    start = init_arm(main, grpo_init) if main else None
    pooled = analysis.pooled_arm(main) if main else None
    main_arms = list(arms_.groups[main].values()) if main else []
    tuned_records = [records[arm] for arm in main_arms]
    diagnosis = [
        analysis.diagnose(
            task, comparison=analysis.find(comparisons, pooled, start, task) if main else None, alpha=alpha,
            audit=audit_info["per_task"][task], train_prompts=int(data["counts"]["train"][task]),
            trend=analysis.validation_trend({a: histories[a] for a in main_arms if a in histories}, task),
            insensitive=analysis.insensitive_share(task, records[start], tuned_records)
            if start in records else None,
        )
        for task in tasks
    ]
    examples = [e for t in tasks if main_arms and start in records
                and (e := analysis.example(t, records[start], records[main_arms[0]]))]
    return diagnosis, examples


def audit_summary(audit: dict) -> dict:
    """The reward audit as ``read_audit`` returns it (the layout its writer shares), per task the
    numbers the report shows."""
    return {
        "preset": audit["preset"],
        "gate": audit["gate"],
        "passed": audit["passed"],
        "reward_errors": audit["reward_errors"],
        "per_task": {task: {key: entry[key] for key in AUDIT_TASK_KEYS} for task, entry in audit["tasks"].items()},
        "sandbox": audit["sandbox"],
        "parser": audit["parser"],
    }


def method(alpha: float, bootstrap_samples: int, seed: int, tasks: list[str]) -> dict:
    return {
        "alpha": alpha,
        "bootstrap_samples": bootstrap_samples,
        "bootstrap_seed": seed,
        "test": stats.TEST_NOTE,
        "effect_size": "matched-pairs rank-biserial correlation r = (R+ − R−)/(R+ + R−) over untied pairs",
        "interval": f"percentile bootstrap 95% CI of the mean paired difference, {bootstrap_samples} "
                    f"resamples of prompts, seed {seed}",
        "multiple_testing": f"Holm step-down within each family; a family is the per-task tests "
                            f"({', '.join(tasks)}) of one arm against one baseline, e.g. grpo_pooled vs sft. "
                            "Each direction (better, worse) is adjusted on its own. The overall test is a single "
                            "test (p (Holm) = p). Families are not pooled across arms or baselines.",
        "stages": "each comparison names the training stage it credits: SFT vs base credits SFT; a GRPO arm vs "
                  "the arm it started from credits GRPO; a GRPO arm that started from SFT vs base credits the "
                  "whole recipe. The diagnosis reads GRPO vs its init arm only.",
        "pooling": "pooled arms average each prompt's reward over the seeds that finished, then test the "
                   "prompts (n stays the number of prompts); across seeds: mean ± sd (ddof 1) of per-seed means",
    }


def rebuild_command(demo: bool, run_name: str) -> str:
    """The default target builds this report; a non-default run names its config file again."""
    if demo:
        return REBUILD
    return f"{REBUILD} --configfile <the config file of run {run_name!r}>"


def _paths(value) -> list[str]:
    """Snakemake passes one file as a string and a list of files (or an empty []) as a list."""
    if isinstance(value, (str, os.PathLike)):
        return [str(value)]
    return [str(v) for v in value]


def _aligned(name: str, files, arms) -> dict[str, str]:
    """{arm: file} of an input that follows an arm list, one file per arm."""
    files, arms = _paths(files), list(arms)
    if len(files) != len(arms):
        raise ValueError(f"report: {len(files)} {name} files for {len(arms)} arms {arms}")
    return dict(zip(arms, files))
