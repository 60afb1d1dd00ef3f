"""Render results/final_report.md from the report dict alone.

Rendering takes nothing but the dict that is also written to final_report.json, so every number in
the Markdown is in the JSON (docs/contracts.md).
"""
from __future__ import annotations

import json
import math
import re

from commerce_grpo import tasks as registry
from commerce_grpo.report.scores import OVERALL

REAL_RECIPE = "snakemake --configfile config/tucano2-0.5b.yaml --cores 1 --resources gpu=1"


def render(report: dict) -> str:
    """The answer first (banner, summary, plan), then what it rests on, then everything else."""
    sections = [
        f"# commerce-grpo final report — {report['header']['run_name']}\n" + _banner(report),
        _answer(report),
        _plan(report["plan"]),
        _noise(report),
        _blindness(report),
        _results(report),
        _diagnosis(report["scenario"], report["diagnosis_rules"], report["diagnosis"]),
        _curves(report["figures"], report["figure_notes"]),
        _entropy(report.get("entropy")),
        _best(report["best"]),
        _header(report),
        _data(report["data"]),
        _rewards(report["tasks"], report["rewards"]),
        _audit(report["audit"]),
        _examples(report["examples"]),
        _method(report["statistics"]),
        "## Rebuild\n\nThe effective config of this run (every `--configfile` and `--config` merged) is "
        f"`{report['effective_config']}`; this command rebuilds this report from it:\n\n```bash\n"
        + report["rebuild_command"] + "\n```",
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


DATA_SOURCES = {
    "synthetic": "a **synthetic** commerce.db (seeded generator with Olist's schema)",
    "olist": "the **Olist** CSVs (real Brazilian e-commerce orders and reviews)",
}


def _banner(report: dict) -> str:
    """One line: demo or not, data, reward preset (and judge), seeds (a subset said loudly), k."""
    judge = report["rewards"]["judge"]
    seeds = report["seeds"]
    parts = [("**Demo run** of the embedded tiny model: it shows that every stage works, not what GRPO does "
              f"for a real model (`{REAL_RECIPE}` runs the real recipe)") if report["demo"] else "Run",
             f"data: {DATA_SOURCES[report['data_source']]}",
             f"rewards: preset `{report['rewards']['preset']}` (`rewards.preset`)"
             + (f"; GRPO also trained on the LLM judge `{judge['model']}` (weight {judge['weight']:g}), which eval "
                "and validation rewards leave out" if judge["enabled"] else ""),
             f"seeds {_seeds(seeds['run'])}" + (
                 f" — **a subset of the configured seeds {_seeds(seeds['configured'])}** (`--config seeds=...`); "
                 "the full report is elsewhere and untouched" if seeds["subset"] else ""),
             f"{report['samples_per_prompt']} sample(s) per eval prompt"]
    return "> " + " · ".join(parts) + "."


def _seeds(seeds: list) -> str:
    return ", ".join(map(str, seeds)) or "none"


OUTCOME = {"better": "**better**", "worse": "**worse**", "no significant difference": "no significant difference",
           "not testable": "not testable"}
ARROWS = {1: "↑", -1: "↓", 0: "="}


def _answer(report: dict) -> str:
    """At most ~12 lines: the primary family's rows (per task and OVERALL) and the notes they need."""
    summary, plan = report["summary"], report["plan"]
    if not summary["rows"]:
        return "## Answer\n\nNo primary comparison: the main GRPO run or its baseline did not finish."
    arm, baseline = summary["arm"], summary["baseline"]
    first = summary["rows"][0]
    lines = [f"## Answer: `{arm}` (seeds {_seeds(summary['seeds'])} pooled) vs `{baseline}`",
             f"Primary family ({plan['primary']}), {plan['direction']} exact Wilcoxon, Holm over the "
             f"{first['family_size']} of {len(summary['rows'])} tests with an untied pair ({plan['overall']}), "
             f"α {plan['alpha']}; Δ's interval: {first['interval_kind']}.",
             "",
             f"| Task | {baseline} | {arm} | Δ [95 % interval] | p adjusted | seeds agreeing | outcome |",
             "|---|---|---|---|---|---|---|"]
    for row in summary["rows"]:
        interval = row["interval"]
        cell = f"{row['delta']:+.3f}" + (f" [{interval[0]:+.3f}, {interval[1]:+.3f}]" if interval else "")
        outcome = OUTCOME[row["outcome"]] + (", data-blind" if row["data_blind"] else "")
        lines.append(f"| {_task(row['task'])} | {_num(row['mean_baseline'])} | {_num(row['mean_arm'])} | {cell} | "
                     f"{_p(row['p_adjusted'])} | {row['seeds_agreeing']}/{row['seeds']} {ARROWS[row['direction']]} | "
                     f"{outcome} |")
    notes = [f"{row['task']}: {note}" for row in summary["rows"] for note in row["notes"]]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines)


def _plan(plan: dict) -> str:
    return "## Test plan (`report.plan`)\n\n" + "\n".join(f"- {line}" for line in plan["lines"])


def _noise(report: dict) -> str:
    """Within-prompt (sampling) sd beside between-prompt sd per arm and task, and the seeds' spread."""
    noise, tasks = report["noise"], [*report["tasks"], OVERALL]
    arms = list(noise)
    spread = {(r["group"], r["task"]): r["sd"] for r in report["seed_summary"]}
    groups = list(report["arms"]["groups"])
    rows = [(_task(task), *(f"{_num(noise[a][task]['within_sd'])} / {_num(noise[a][task]['between_sd'])}"
                            for a in arms), *(_num(spread.get((g, task))) for g in groups))
            for task in tasks]
    k = report["samples_per_prompt"]
    return (f"## Noise\n\nPer arm, sd within a prompt (its {k} samples at the eval decoding; n/a with one "
            "sample) / sd between prompts (of the per-prompt scores the test pairs); per GRPO run, the sd of the "
            "task mean between seeds.\n\n"
            + _table(["Task", *(f"`{a}` within / between" for a in arms),
                      *(f"`{g}` between seeds" for g in groups)], rows))


def _blindness(report: dict) -> str:
    """Input sensitivity and verbatim repeats per arm and task; the data-blind rule and its figures."""
    sensitivity, tasks = report["input_sensitivity"], [*report["tasks"], OVERALL]
    text = ("## Does the gain read the input?\n\nEvery eval output is also scored against another eval prompt "
            "of the same kind (push: same intent; extraction: same star rating; others: same template; a fixed "
            "derangement). Per arm and task: input sensitivity = mean r(output, its prompt) − mean r(output, "
            "the other prompt) · share of outputs repeated verbatim for another prompt of the task. An answer "
            "that reads its prompt loses on the other one; a template loses nothing and repeats itself.\n\n")
    if not any(v[OVERALL]["pairs"] for v in sensitivity.values()):
        return text + ("No eval prompt has another prompt of its kind, so there is no input sensitivity to show. "
                       "Outputs repeated verbatim for another prompt: "
                       + ", ".join(f"`{a}` {_pct(v[OVERALL]['repeated_share'])}" for a, v in sensitivity.items()) + ".")
    text += _table(["Arm", *(_task(t) for t in tasks)],
                   [(f"`{arm}`", *(f"{_num(v[t]['sensitivity'], signed=True)} · {_pct(v[t]['repeated_share'])}"
                                   for t in tasks)) for arm, v in sensitivity.items()])
    outcomes = {row["task"]: row["outcome"] for row in report["summary"]["rows"]}
    gains = [(task, g) for task, g in report["data_blind"]["primary"].items() if g]
    if gains:
        text += (f"\n\nOf each gain of `{report['summary']['arm']}` over `{report['summary']['baseline']}`, the "
                 "part that reads the input is the rise in input sensitivity; a significant gain with less than "
                 f"{report['data_blind']['cutoff']:.0%} of it reading the input is a **data-blind gain**:\n\n"
                 + _table(["Task", "gain", "gain scored on the other prompt", "share reading the input [95 %]",
                           "data-blind gain?"],
                          [(t, _num(g["gain"], signed=True), _num(g["gain_swapped"], signed=True),
                            (f"{_pct(g['read_share'])} [{_pct(g['read_share_ci95'][0])}, "
                             f"{_pct(g['read_share_ci95'][1])}]" + (" (borderline)" if g["borderline"] else ""))
                            if outcomes[t] == "better" else "—",  # a share of a gain within noise is noise
                            ("yes" if g["data_blind"] else "no") if outcomes[t] == "better"
                            else "— (gain not significant)") for t, g in gains]))
    return text


def _header(report: dict) -> str:
    header = report["header"]
    rows = [
        ("Model", f"`{header['model']}`"),
        ("Backend", f"{header['backend_config']} → {_join(header['backend'])}"),
        ("Device", _join(header["device"])),
        ("4-bit", str(header["load_in_4bit"])),
        ("Config hash", f"`{header['config_hash']}`"),
        ("Git commit", f"`{header['git_commit']}`" if header["git_commit"] else "not available"),
        ("Eval decoding", ", ".join(f"{k}={v}" for k, v in (header["decoding"] or {}).items())),
        ("Packages", ", ".join(f"{k} {v}" for k, v in header["packages"].items())),
    ]
    demo = (f"This report comes from the embedded tiny model (`model.id: {header['model']}`) and a few CPU "
            "training steps: it shows that every stage works end to end, not what GRPO does for a real model. "
            f"Run the real recipe (Tucano2-0.5B, the study's V4.2) with `{REAL_RECIPE}`.\n\n") if report["demo"] else ""
    text = "## Run\n\n" + demo + _table(["", ""], rows)
    if header["stage_seconds"]:
        text += "\n\nWall time per stage (Snakemake benchmark files):\n\n" + _table(
            ["Stage", "Seconds"], [(s, _num(v, 1)) for s, v in header["stage_seconds"].items()]
        )
    else:
        text += "\n\nWall time: no benchmark files found."
    return text


def _data(data: dict) -> str:
    """Prompts per split and task (the pair stats' ``counts``) and prompt/reference lengths."""
    counts = data["counts"]
    seen = {c for v in counts.values() for c in v}
    columns = [t for t in registry.ALL if t in seen] + sorted(seen - set(registry.ALL))
    parts = [f"## Data\n\nSource: {DATA_SOURCES[data['source']]}.",
             _table(["Split", *columns, "total"],
                    [(s, *(v.get(c, 0) for c in columns), sum(v.values())) for s, v in counts.items()])]
    rows = [(task, *(_summary(v.get(kind)) for kind in ("prompt_chars", "reference_chars")))
            for task, v in data["lengths"].items()]
    if rows:
        parts.append("Characters per prompt (user message) and per gold reference, mean (p50–p95):\n\n"
                     + _table(["Task", "prompt chars", "reference chars"], rows))
    return "\n\n".join(parts)


def _rewards(tasks: list[str], rewards: dict) -> str:
    """The tasks of the run with their prompt counts and reward components, and the LLM judge (or "off")."""
    rows = [(task, t["train"], t["validation"], t["eval"],
             ", ".join(f"{name} {weight:g}" for name, weight in t["components"].items()))
            for task, t in rewards["tasks"].items()]
    return "\n\n".join([
        f"## Tasks and rewards\n\nTasks of this run: {', '.join(tasks)}. Reward preset `{rewards['preset']}` "
        "(`rewards.preset`), per task the components and their weights as scored (the preset with the config's "
        "`rewards.<task>` overrides; a penalty enters with its negative weight):",
        _table(["Task", "train", "validation", "eval", "reward components (weight)"], rows),
        _judge(rewards["judge"]),
    ])


def _judge(judge: dict) -> str:
    if not judge["enabled"]:
        return "LLM judge: off (`rewards.judge.enabled: false`)."
    where = judge["endpoint"]
    audit = judge["audit"]
    rows = [("reward audit", "honest audit answers", f"{audit['scored']}/{audit['items']}", audit["errors"],
             _num(audit["mean"]))]
    rows += [(f"`{arm}`", "GRPO training (metrics.csv)",
              f"{t['steps_scored']}/{t['steps']} logged steps, {t['calls']} calls", t["errors"], _num(t["mean"]))
             for arm, t in judge["training"].items()]
    return (f"LLM judge: model `{judge['model']}` behind an {where['kind']} endpoint at {where['base_url']} "
            f"({'local' if where['local'] else 'remote'} host {where['host']}), reward function "
            f"`{judge['function']}` with weight {judge['weight']:g} beside the task components in GRPO's training "
            f"reward (eval and validation do not call it), rubric `{judge['rubric_file']}`.\n\n"
            + _table(["Judge scoring", "on", "scored", "failed calls", "mean judge reward"], rows))


def _summary(summary) -> str:
    if not isinstance(summary, dict) or "mean" not in summary:
        return "—"
    return f"{summary['mean']} ({summary.get('p50', '?')}–{summary.get('p95', '?')})"


def _audit(audit: dict) -> str:
    gate = audit["gate"]
    text = (f"## Reward audit\n\nPreset audited: `{audit['preset']}`. Gate per task: Spearman ρ of the reward "
            f"vs the mean rater score ≥ {gate['min_spearman']}, adversarial items ranked below the honest answer "
            f"≥ {gate['min_adversarial_accuracy']:.0%}; gold SQL through the sandbox ≥ {gate['min_gold_sql']}. "
            f"Gate passed: {_yes(audit['passed'])}.\n\n")
    rows = [
        (task, v["n_items"], v["n_prompts"], ", ".join(map(str, v["raters"])),
         ", ".join(f"{r} {_num(rho)}" for r, rho in v["spearman_per_rater"].items()), _num(v["spearman_mean"]),
         f"{v['inter_rater']['metric']} {_num(v['inter_rater']['value'])}", _pct(v["adversarial_accuracy"]),
         _yes(v["passed"]), "; ".join(v["reasons"]) or "—")
        for task, v in audit["per_task"].items()
    ]
    text += _table(["Task", "items", "prompts", "raters", "ρ per rater", "ρ vs mean rater", "inter-rater",
                    "adversarial ranked below honest", "passes?", "reasons"], rows)
    sandbox = audit["sandbox"]
    text += (f"\n\nSQL sandbox: {sandbox['gold_checked']} gold queries checked, lowest score "
             f"{_num(sandbox['gold_min_score'])}, {sandbox['errors']} errors; passed: {_yes(sandbox['passed'])}.")
    parser = audit["parser"].get("total")
    if isinstance(parser, dict) and parser.get("n"):
        text += (f"\n\nParser audit: of {parser['n']} renderings of gold extractions the way small models write "
                 f"them, {parser.get('json_loads')} parse with plain `json.loads`, {parser.get('ours')} with our "
                 f"parser, {parser.get('ours_equal_gold')} read back equal to gold (L-parser: the PT-BR decimal bug).")
    return text + f"\n\nReward functions that raised on audit items: {audit['reward_errors']}."


def _curves(figures: dict, notes: dict) -> str:
    text = "## Training curves\n\n"
    images = []
    if figures.get("sft_loss"):
        images.append(f"![SFT loss]({figures['sft_loss']})\n\nSFT training loss over steps and the validation "
                      "loss where it was evaluated.")
    if figures.get("grpo_validation"):
        images.append(f"![GRPO validation reward per task and seed]({figures['grpo_validation']})\n\nGRPO "
                      "validation reward per task and seed; a star marks the checkpoint each seed shipped "
                      "(best.json). " + (notes.get("grpo_validation") or ""))
    if not figures.get("grpo_validation") and notes.get("grpo_validation"):
        images.append("GRPO validation curves: none to draw. " + notes["grpo_validation"])
    return text + ("\n\n".join(images) if images else "No training histories found.")


def _entropy(entropy: dict | None) -> str | None:
    if not entropy or not entropy["arms"]:
        return None
    rows = [(f"`{arm}`", _num(e["min_entropy"], 4), _cell(e["min_step"]),
             f"**yes, at step {e['collapsed_at']}**" if e["collapsed_at"] is not None else "no")
            for arm, e in entropy["arms"].items()]
    return ("### Entropy collapse\n\nPolicy entropy of the GRPO rollouts (`metrics.csv`; steps whose "
            "completions were all truncated are left out). Collapse = entropy below "
            f"{entropy['floor']} (`grpo.entropy_floor`): in the study the reward crashed after it (L-entropy).\n\n"
            + _table(["Arm", "lowest entropy", "at step", "collapsed?"], rows))


def _best(best: dict) -> str:
    text = "## Best checkpoint per GRPO arm\n\n"
    if not best:
        return text + "No GRPO arm in this run."
    flat = {arm: _flatten(b) for arm, b in best.items()}
    keys = list(dict.fromkeys(k for b in flat.values() for k in b))
    rows = [(k, *(_cell(b.get(k)) for b in flat.values())) for k in keys]
    return text + _table(["", *(f"`{arm}`" for arm in flat)], rows)


def _flatten(best: dict) -> dict:
    """Scalars and one level of nested scalars (``reward_per_task.extraction``); lists are left out."""
    flat = {}
    for key, value in best.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items() if not isinstance(v, (dict, list))})
        elif not isinstance(value, list):
            flat[key] = value
    return flat


def _results(report: dict) -> str:
    """Per GRPO run: what GRPO did (vs its init arm), then the whole recipe vs base (the study's
    table), then each recipe side by side; SFT vs base last. Each heading names the stage credited and
    each row its role in the plan."""
    comparisons = report["comparisons"]
    stages = report["stages"]
    parts = ["## Results", _eval_means_figure(report["figures"]),
             "Every table names the stage its differences credit and each row its role in the test plan (the "
             "primary family answers; secondary rows, each seed alone included, describe). **better**/**worse**: "
             "the plan's test is significant after the family's adjustment (see Test plan and Statistics)."]
    for group, info in report["arms"]["groups"].items():
        pooled, init = info["pooled"], info["init_arm"]
        seeds = ", ".join(str(s) for s in info["seeds"])
        run_arms = (pooled, *info["arms"].values())
        grpo = [c for c in comparisons if c["arm"] in run_arms and c["baseline"] == init]
        if grpo:
            parts.append(f"### {group} vs {init}, the arm it started from — credits {stages['grpo']}\n\n"
                         f"`{pooled}` = each prompt's mean score over seeds {seeds}.\n\n" + _comparison_table(grpo))
        if init != "base":
            parts.append(f"### {group} vs base — credits {stages['sft+grpo']}\n\n"
                         + _comparison_table([c for c in comparisons
                                              if c["arm"] in run_arms and c["baseline"] == "base"]))
        parts.append(_seed_table([r for r in report["seed_summary"] if r["group"] == group]))
        recipe = [c for c in comparisons if c["arm"] in run_arms and c["stage"] == "recipe"]
        if recipe:
            parts.append(f"### {group} vs sft — credits {stages['recipe']}\n\n" + _comparison_table(recipe))
    sft = [c for c in comparisons if (c["arm"], c["baseline"]) == ("sft", "base")]
    if sft:
        parts.append(f"### SFT vs base — credits {stages['sft']}\n\n" + _comparison_table(sft))
    return "\n\n".join(p for p in parts if p)


def _eval_means_figure(figures: dict) -> str | None:
    if not figures.get("eval_means"):
        return None
    return (f"![Mean eval score per arm and task]({figures['eval_means']})\n\nMean eval score per arm and task "
            "with 95 % intervals (seeds then prompts for a pooled arm, prompts otherwise), each seed's mean as a "
            "dot, and the primary test's outcome over the tested arm.")


TEST_HEADERS = ["Δ", "Δ%", "p adjusted", "p (plan)", "p scipy default", "r", "95 % CI of Δ (prompts)",
                "two-level CI", "P(improve)", "IQM arm / baseline", "tied", "outcome"]


def _comparison_table(comparisons: list[dict]) -> str:
    rows = [(c["role"], f"`{c['arm']}`", f"`{c['baseline']}`", _task(c["task"]), _num(c["mean_baseline"]),
             _num(c["mean_arm"]), *_test_cells(c)) for c in comparisons]
    return _table(["Role", "Arm", "Baseline", "Task", "Baseline mean", "Arm mean", *TEST_HEADERS], rows)


def _interval(interval, signed: bool = True) -> str:
    if not interval or None in interval:
        return "—"
    return f"[{_num(interval[0], signed=signed)}, {_num(interval[1], signed=signed)}]"


def _test_cells(c: dict) -> tuple:
    delta_pct = f"{c['delta_pct']:+.1f}%" if c["delta_pct"] is not None else "—"
    p = _p(c["p_plan"]) + (" (all tied)" if c["tied"] == c["n"] else "")
    outcome = OUTCOME[c["outcome"]]
    return (f"{c['delta']:+.3f}", delta_pct, _p(c["p_adjusted"]), p, _p(c["p_value_scipy_default"]),
            _num(c["effect_size"], signed=True),
            _interval(c["ci95"]) + (" (zero-spread bound)" if c["ci95_method"] != "BCa" else ""),
            _interval(c["ci95_two_level"]),
            f"{_num(c['prob_improvement'], 2)} {_interval(c['prob_improvement_ci95'], signed=False)}",
            f"{_num(c['iqm_arm'])} / {_num(c['iqm_baseline'])}", f"{c['tied']}/{c['n']}", outcome)


def _seed_table(rows: list[dict]) -> str:
    if not rows:
        return ""
    seeds, init = rows[0]["seeds"], rows[0]["init_arm"]
    delta_init = [] if init == "base" else [_pm(r["delta_init_mean"], r["delta_init_sd"], signed=True) for r in rows]
    body = [(_task(r["task"]), *(_num(r["per_seed_mean"][str(s)]) for s in seeds), _pm(r["mean"], r["sd"]),
             *([delta_init[k]] if delta_init else []), _pm(r["delta_mean"], r["delta_sd"], signed=True))
            for k, r in enumerate(rows)]
    headers = ["Task", *(f"seed {s}" for s in seeds), "mean ± sd",
               *([f"Δ vs {init} mean ± sd"] if delta_init else []), "Δ vs base mean ± sd"]
    return "Across seeds (mean ± sd of per-seed means; sd needs two seeds):\n\n" + _table(headers, body)


def _diagnosis(scenario: dict, rules: list[str], diagnosis: list[dict]) -> str:
    label = f"Scenario {scenario['scenario']}" if scenario["scenario"] else "No scenario"
    text = ("## Diagnosis per task\n\nFollowing the handoff's decision tree. "
            f"Where the final model stands (pooled GRPO vs base): **{label}** — {scenario['text']}.\n\n"
            "What GRPO did, per task: the pooled GRPO arm against the arm it started from (never against base, "
            "which would credit GRPO with SFT's gains); the first rule that applies:\n\n"
            + "\n".join(f"{k}. {rule}" for k, rule in enumerate(rules, 1)) + "\n\n")
    rows = []
    for d in diagnosis:
        e = d["evidence"]
        seeds = "/".join(f"{v:+.3f}" for v in (e["seed_deltas"] or {}).values()) or "—"
        rows.append((_task(d["task"]), f"**{d['verdict']}**", d["reason"], _cell(e["init_arm"]), _num(e["init_mean"]),
                     _num(e["grpo_mean"]), _num(e["delta"], signed=True), _p(e["p_adjusted"]), seeds,
                     _num(e["audit_spearman"]), _cell(e["train_prompts"]), _num(e["validation_gain"], signed=True),
                     _cell(e["validation_best_at_last_eval"]), _num(e["same_reward_different_text"]),
                     _pct(e["read_share"])))
    return text + _table(["Task", "Verdict", "Why", "Init arm", "Init", "GRPO", "Δ", "p adjusted", "Δ per seed",
                          "audit ρ", "train prompts", "val. gain first→best", "best at last eval",
                          "same reward, different text", "gain reading the input"], rows)


def _examples(examples: list[dict]) -> str:
    text = ["## Examples (init arm vs GRPO)",
            "Per task, the eval prompt where the GRPO arm gained most over the arm it started from (first id on ties)."]
    for e in examples:
        text.append(f"### {e['task']} — `{e['id']}` (`{e['init_arm']}` → `{e['arm']}`)\n\n"
                    f"{e['init_arm']} (reward {_num(e['init_reward'])}):\n\n{_fenced(e['init_completion'])}\n\n"
                    f"GRPO (reward {_num(e['tuned_reward'])}):\n\n{_fenced(e['tuned_completion'])}")
    return "\n\n".join(text) if examples else "## Examples\n\nNo GRPO arm finished."


def _method(statistics: dict) -> str:
    return ("## Statistics\n\n"
            f"- Test: {statistics['test']}\n- Effect size: {statistics['effect_size']}\n"
            f"- Intervals: {statistics['interval']}\n- Agarwal et al.: {statistics['agarwal']}\n"
            f"- {statistics['delta_pct']}\n- Stages: {statistics['stages']}\n"
            f"- Pooling: {statistics['pooling']}\n- α = {statistics['alpha']}")


def _table(headers: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _fenced(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _task(task: str) -> str:
    return f"**{task.upper()}**" if task == OVERALL else task


def _num(value, digits: int = 3, signed: bool = False) -> str:
    if not _is_number(value) or not math.isfinite(value):
        return "n/a"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _p(value) -> str:
    if not _is_number(value) or not math.isfinite(value):
        return "n/a"
    return f"{value:.2e}" if value < 1e-4 else f"{value:.4f}"


def _pct(value) -> str:
    # round first: -0.001 prints as 0 %, not "-0%"
    return f"{round(value, 2) + 0.0:.0%}" if _is_number(value) and math.isfinite(value) else "n/a"


def _pm(mean, sd, signed: bool = False) -> str:
    return f"{_num(mean, signed=signed)} ± {_num(sd)}"


def _yes(flag) -> str:
    return "yes" if flag else "no"


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return _num(value, 4)
    return value if isinstance(value, str) else json.dumps(value)


def _join(values) -> str:
    return ", ".join(values) if values else "not recorded"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
