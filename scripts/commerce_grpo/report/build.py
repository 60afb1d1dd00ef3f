"""The `report` rule: statistics, figures, results/final_report.{md,json} and the effective config.

The report reads results and never recomputes training. Every file it reads is a declared input of
the rule, passed by name; per-arm files come in the order of the arm lists passed beside them, so
no arm name is parsed back out of a path. The JSON is written first and the Markdown is rendered
from it alone, so every number in the Markdown is in the JSON. Beside them goes the effective config
(every --configfile and --config merged), so the report can be rebuilt from what made it.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import yaml

from commerce_grpo import stats
from commerce_grpo.arms import init_arm, parse_arm
from commerce_grpo.files import write_atomic
from commerce_grpo.report import analysis, blindness, figures, inputs, noise, plan as test_plan, provenance, scoring
from commerce_grpo.report.markdown import render
from commerce_grpo.report.scores import Arms, pooled_arm
from commerce_grpo.report.summary import answer

log = logging.getLogger(__name__)

AUDIT_TASK_KEYS = ("n_items", "n_prompts", "raters", "spearman_per_rater", "spearman_mean", "inter_rater",
                   "adversarial_accuracy", "passed", "reasons")


def build_report(*, evals, metas, audit, pairs_stats, sft_metrics, eval_histories, best, grpo_metrics, benchmarks,
                 outputs, arms, grpo_arms, grpo_init, rewards, run_name, demo, model, decoding, effective_config,
                 configured_seeds, sft_tasks, task_mix, alpha, bootstrap_samples, seed, plan, entropy_floor) -> dict:
    """Write outputs["md"], outputs["json"], outputs["config"] and PNGs into outputs["figures"]; return
    the report dict.

    ``evals``/``metas`` follow ``arms``; ``eval_histories``/``best``/``grpo_metrics`` follow
    ``grpo_arms`` (the GRPO arms, ``commerce_grpo.arms`` names). ``grpo_init`` is the config's
    ``grpo.init``: where the ``grpo`` run started, so GRPO is credited against that arm only.
    ``rewards`` is the config's ``rewards`` section; ``decoding`` its ``evaluate`` section;
    ``effective_config`` the whole merged config and ``configured_seeds`` the config files' seeds
    (they differ from the run's when ``--config seeds=...`` restricted it); ``sft_tasks`` and
    ``task_mix`` say which tasks SFT and GRPO trained; ``plan`` is ``report.plan``.
    """
    md_path, json_path, fig_dir = Path(outputs["md"]), Path(outputs["json"]), Path(outputs["figures"])
    fig_dir.mkdir(parents=True, exist_ok=True)
    plan = test_plan.check(plan)
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
    samples_per_prompt = _samples_per_prompt(metas_, decoding)
    arms_ = Arms.from_records(records)
    tasks = arms_.tasks()

    histories = {arm: inputs.read_eval_history(path) for arm, path in histories_in.items()}
    best_by_arm = {arm: inputs.read_best(path) for arm, path in best_in.items()}
    entropy = analysis.entropy_collapse(
        {arm: inputs.read_grpo_entropy(path) for arm, path in metrics_in.items()}, entropy_floor)
    comparisons = test_plan.comparisons(arms_, grpo_init=grpo_init, plan=plan, bootstrap_samples=bootstrap_samples,
                                        seed=seed)
    primary = test_plan.primary_pair(arms_, grpo_init, plan)

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
    trained = analysis.trained_tasks(tasks, sft_tasks=sft_tasks, task_mix=task_mix)

    sensitivity = blindness.input_sensitivity(records, tasks)
    for group, seeds in arms_.groups.items():
        sensitivity[pooled_arm(group)] = blindness.pooled([sensitivity[a] for a in seeds.values()])
    blind_primary = _blind(arms_, records, primary, tasks, bootstrap_samples, seed)
    main = arms_.main_group
    start = init_arm(main, grpo_init) if main else None
    blind_grpo = (blind_primary if primary == (pooled_arm(main), start)
                  else _blind(arms_, records, (pooled_arm(main), start) if main else None, tasks, bootstrap_samples,
                              seed))
    diagnosis, examples = _diagnosis(arms_, records, comparisons, histories, audit_info, data, grpo_init, alpha,
                                     blind_grpo, trained)
    summary = answer(comparisons, primary=primary, arms=arms_, alpha=alpha, blind=blind_primary)

    means = {arm: {part: float(np.mean(list(s.values()))) for part, s in by_part.items()}
             for arm, by_part in arms_.scores.items()}
    intervals = mean_intervals(arms_, bootstrap_samples, seed)
    validation = figures.validation_panels(histories)
    figure_files = {
        "sft_loss": figures.sft_loss(inputs.read_sft_metrics(sft_metrics) if _paths(sft_metrics) else None, fig_dir),
        "grpo_validation": figures.grpo_validation(histories, best_by_arm, validation["shown"], fig_dir),
        "eval_means": figures.eval_means(means, intervals, arms_, summary, fig_dir),
    }
    link_root = Path(os.path.relpath(fig_dir, md_path.parent))
    seeds = list(effective_config["seeds"])
    config_hash = provenance.config_hash(effective_config)
    report = {
        "demo": bool(demo),
        "data_source": data["source"],
        "tasks": tasks,
        "seeds": {"run": seeds, "configured": list(configured_seeds), "subset": seeds != list(configured_seeds)},
        "samples_per_prompt": samples_per_prompt,
        "plan": test_plan.describe(plan, alpha=alpha, primary=primary, tasks=tasks, seeds=seeds,
                                   samples_per_prompt=samples_per_prompt),
        "summary": summary,
        "rewards": rewards_used,
        "header": provenance.header(run_name=run_name, model=model, decoding=decoding, config_hash=config_hash,
                                    metas=metas_, benchmarks=inputs.read_benchmarks(_paths(benchmarks))),
        "data": data,
        "audit": audit_info,
        "figures": {k: (link_root / v).as_posix() if v else None for k, v in figure_files.items()},
        "figure_notes": {"grpo_validation": validation["note"]},
        "best": best_by_arm,
        "entropy": entropy,
        "grpo_init": grpo_init,
        "arms": {
            "evaluated": list(records),
            "groups": {g: {"pooled": pooled_arm(g), "init_arm": init_arm(g, grpo_init), "seeds": list(s),
                           "arms": {str(k): v for k, v in s.items()}}
                       for g, s in arms_.groups.items()},
        },
        "stages": analysis.STAGES,
        "eval_means": means,
        "eval_mean_ci95": intervals,
        "noise": noise.sampling_noise(records, tasks),
        "input_sensitivity": sensitivity,
        "data_blind": {"primary": blind_primary, "grpo": blind_grpo, "cutoff": blindness.INPUT_READ_SHARE},
        "comparisons": [{**c.to_json(), "significant": stats.significant(c, alpha), "worse": stats.worse(c, alpha),
                         "outcome": stats.outcome(c, alpha)} for c in comparisons],
        "seed_summary": analysis.seed_summary(arms_, grpo_init),
        "scenario": analysis.scenario(comparisons, pooled_arm(main) if main else None, tasks, alpha),
        "diagnosis_rules": list(analysis.RULES),
        "diagnosis": diagnosis,
        "examples": examples,
        "statistics": method(alpha, bootstrap_samples, seed),
        "rebuild_command": provenance.rebuild_command(outputs["config"], seeds, configured_seeds),
        "effective_config": outputs["config"],
    }
    report = stats.json_safe(report)
    write_atomic(outputs["config"], yaml.safe_dump({**effective_config, "seeds": list(configured_seeds)},
                                                   sort_keys=False, allow_unicode=True))
    write_atomic(json_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_atomic(md_path, render(report))
    log.info("report: %d comparisons, figures %s", len(comparisons), [v for v in figure_files.values() if v])
    return report


def _samples_per_prompt(metas: dict[str, dict], decoding: dict) -> int:
    """k, the same in every arm's meta and in the config (an eval file of another k is stale)."""
    found = {arm: meta["samples_per_prompt"] for arm, meta in metas.items()}
    k = decoding["samples_per_prompt"]
    stale = {arm: value for arm, value in found.items() if value != k}
    if stale:
        raise ValueError(f"report: eval files made with another evaluate.samples_per_prompt {stale} than the "
                         f"config's {k}; rerun their evaluate jobs")
    return k


def _blind(arms_: Arms, records, pair, tasks, samples, seed) -> dict:
    """{task: data_blind figures} of a pooled arm over its baseline (empty without the pair)."""
    if pair is None:
        return {}
    arm, baseline = pair
    group = next(g for g in arms_.groups if pooled_arm(g) == arm)
    seed_records = [records[a] for a in arms_.groups[group].values()]
    return {task: blindness.data_blind(seed_records, records[baseline], task, samples=samples, seed=seed)
            for task in tasks}


def mean_intervals(arms_: Arms, samples: int, seed: int) -> dict[str, dict[str, tuple[float, float]]]:
    """Per arm and part, the 95 % interval of the mean score: a pooled arm resamples seeds then prompts,
    any other arm prompts (``stats.two_level_bootstrap`` against a zero baseline)."""
    result = {}
    for arm, by_part in arms_.scores.items():
        per_seed = arms_.per_seed(arm)
        result[arm] = {}
        for part, scores in by_part.items():
            ids = sorted(scores)
            matrix = np.array([[s[part][i] for i in ids] for s in per_seed]) if per_seed \
                else np.array([[scores[i] for i in ids]])
            means, _ = stats.two_level_bootstrap(matrix, np.zeros(len(ids)), samples=samples, seed=seed)
            result[arm][part] = stats.percentile_interval(means)
    return result


def _diagnosis(arms_, records, comparisons, histories, audit_info, data, grpo_init, alpha, blind, trained):
    """Per task, what GRPO did: the main run's pooled arm vs the arm it started from (never vs base,
    which would credit GRPO with SFT's gains, L-stats); one example per task of that change."""
    main = arms_.main_group
    tasks = arms_.tasks()
    start = init_arm(main, grpo_init) if main else None
    pooled = pooled_arm(main) if main else None
    main_arms = arms_.groups[main] if main else {}
    tuned_records = [records[arm] for arm in main_arms.values()]
    diagnosis = []
    for task in tasks:
        comparison = analysis.find(comparisons, pooled, start, task) if main else None
        init_mean = comparison.mean_baseline if comparison else None
        diagnosis.append(analysis.diagnose(
            task, comparison=comparison, alpha=alpha,
            audit=audit_info["per_task"][task], train_prompts=int(data["counts"]["train"][task]),
            trend=analysis.validation_trend({a: histories[a] for a in main_arms.values() if a in histories}, task),
            insensitive=analysis.insensitive_share(task, records[start], tuned_records) if start in records else None,
            seed_deltas={s: float(np.mean(list(arms_.scores[a][task].values()))) - init_mean
                         for s, a in main_arms.items()} if comparison else {},
            mean_interval=stats.t_interval(list(arms_.scores[pooled][task].values())) if comparison else None,
            blind=blind.get(task), trained=trained[task]))
    first = next(iter(main_arms.values()), None)
    examples = [e for t in tasks if first and start in records
                and (e := analysis.example(t, records[start], records[first]))]
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


def method(alpha: float, bootstrap_samples: int, seed: int) -> dict:
    return {
        "alpha": alpha,
        "bootstrap_samples": bootstrap_samples,
        "bootstrap_seed": seed,
        "test": stats.TEST_NOTE,
        "effect_size": "matched-pairs rank-biserial correlation r = (R+ − R−)/(R+ + R−) over untied pairs",
        "interval": f"95 % intervals from {bootstrap_samples} bootstrap resamples, seed {seed}: the prompt interval "
                    "of Δ is BCa (bias-corrected and accelerated; bootstrap means equal to the observed one count "
                    "half below); when every difference is one value c it is the zero-spread bound "
                    "[c − q(c + 1), c + q(1 − c)], q = 1 − 0.025^(1/n), instead of a zero-width interval. The "
                    "two-level interval of a pooled arm resamples seeds, then prompts (percentile), and so does "
                    "each bar's interval in the figure (prompts only for an arm without seeds).",
        "agarwal": "probability of improvement = P(arm's score > baseline's on a random prompt), ties half, over "
                   "every (seed, prompt) cell, with a two-level percentile interval; IQM = mean of the middle 50 % "
                   "of the (seed, prompt) scores (Agarwal et al., 2021).",
        "delta_pct": f"Δ% only against a baseline mean ≥ {stats.MIN_BASELINE_FOR_PCT}",
        "stages": "each comparison names the training stage it credits: SFT vs base credits SFT; a GRPO arm vs "
                  "the arm it started from credits GRPO; a GRPO arm that started from SFT vs base credits the "
                  "whole recipe. The diagnosis reads GRPO vs its init arm only.",
        "pooling": "pooled arms average each prompt's score over the seeds that finished, then test the prompts "
                   "(n stays the number of prompts); across seeds: mean ± sd (ddof 1) of per-seed means",
    }


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
