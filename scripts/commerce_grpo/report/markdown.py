"""Render results/final_report.md from the report dict alone.

Rendering takes nothing but the dict that is also written to final_report.json, so every number in
the Markdown is in the JSON (DESIGN.md contract).
"""
from __future__ import annotations

import json
import math
import re

from commerce_grpo.prompts import TASKS
from commerce_grpo.report.analysis import OVERALL

REAL_RECIPE = "snakemake --configfile config/tucano2-0.5b.yaml --cores 1 --resources gpu=1"


def render(report: dict) -> str:
    sections = [
        f"# commerce-grpo final report — {report['header']['run_name']}",
        _demo_banner(report) if report["demo"] else None,
        _header(report["header"]),
        _data(report["data"]),
        _audit(report["audit"]),
        _curves(report["figures"]),
        _entropy(report.get("entropy")),
        _best(report["best"], report["seeds"]),
        _results(report),
        _diagnosis(report["scenario"], report["diagnosis_rules"], report["diagnosis"]),
        _examples(report["examples"]),
        _missing(report["seeds"], report["arms"]),
        _method(report["statistics"]),
        "## Rebuild\n\n```bash\n" + report["rebuild_command"] + "\n```",
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def _demo_banner(report: dict) -> str:
    return (
        "> **Demo run.** This report comes from the embedded tiny model "
        f"(`model.id: {report['header']['model']}`), a few CPU training steps on a synthetic "
        "commerce.db: it shows that every stage works end to end, not what GRPO does for a real model. "
        f"Run the real recipe (Tucano2-0.5B, the study's V4.2) with `{REAL_RECIPE}`."
    )


def _header(header: dict) -> str:
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
    text = "## Run\n\n" + _table(["", ""], rows)
    if header["stage_seconds"]:
        text += "\n\nWall time per stage (Snakemake benchmark files):\n\n" + _table(
            ["Stage", "Seconds"], [(s, _num(v, 1)) for s, v in header["stage_seconds"].items()]
        )
    else:
        text += "\n\nWall time: no benchmark files found."
    return text


def _data(data: dict) -> str:
    """Prompts per split and task (the pairs stage's ``counts``), prompt lengths, anything scalar."""
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {
        k: v for k, v in data.items() if isinstance(v, dict) and v and all(_is_number(x) for x in v.values())}
    parts = ["## Data"]
    if counts:
        seen = {c for v in counts.values() for c in v}
        columns = [t for t in TASKS if t in seen] + sorted(seen - set(TASKS))
        parts.append(_table(["Split", *columns, "total"],
                            [(s, *(v.get(c, 0) for c in columns), sum(v.values())) for s, v in counts.items()]))
    lengths = data.get("lengths")
    if isinstance(lengths, dict) and lengths:
        rows = [(task, *(_summary(v.get(kind)) for kind in ("prompt_chars", "reference_chars")))
                for task, v in lengths.items() if isinstance(v, dict)]
        parts.append("Characters per prompt (user message) and per gold reference, mean (p50–p95):\n\n"
                     + _table(["Task", "prompt chars", "reference chars"], rows))
    scalars = {k: v for k, v in data.items() if _is_number(v) or isinstance(v, str)}
    if scalars:
        parts.append(_table(["", ""], list(scalars.items())))
    return "\n\n".join(parts) if len(parts) > 1 else "## Data\n\nNo pair statistics found."


def _summary(summary) -> str:
    if not isinstance(summary, dict) or "mean" not in summary:
        return "—"
    return f"{summary['mean']} ({summary.get('p50', '?')}–{summary.get('p95', '?')})"


def _audit(audit: dict) -> str:
    text = "## Reward audit\n\n"
    if not audit["per_task"]:
        return text + "No per-task Spearman ρ found in the audit file."
    rows = [
        (task, _num(v.get("spearman")), v.get("n", ""), _yes(v["passed"]) if v.get("passed") is not None else "")
        for task, v in audit["per_task"].items()
    ]
    text += f"Gate: Spearman ρ ≥ {audit['gate']} per task (reward vs human score); "
    text += f"gate passed: {_yes(audit['passed']) if audit['passed'] is not None else 'not recorded'}.\n\n"
    text += _table(["Task", "Spearman ρ", "n", "passes gate?"], rows)
    parser = audit.get("parser")
    if isinstance(parser, dict) and parser.get("n"):
        text += (f"\n\nParser audit: of {parser['n']} renderings of gold extractions the way small models write "
                 f"them, {parser.get('json_loads')} parse with plain `json.loads`, {parser.get('ours')} with our "
                 f"parser, {parser.get('ours_equal_gold')} read back equal to gold (seed 001: the PT-BR decimal bug).")
    if audit.get("reward_errors") is not None:
        text += f"\n\nReward functions that raised on audit items: {audit['reward_errors']}."
    return text


def _curves(figures: dict) -> str:
    text = "## Training curves\n\n"
    named = [("SFT loss", "sft_loss"), ("GRPO validation reward per task and seed", "grpo_validation")]
    images = [f"![{title}]({figures[key]})" for title, key in named if figures.get(key)]
    return text + ("\n\n".join(images) if images else "No training histories found.")


def _entropy(entropy: dict | None) -> str | None:
    if not entropy or not entropy["seeds"]:
        return None
    rows = [(seed, _num(e["min_entropy"], 4), _cell(e["min_step"]),
             f"**yes, at step {e['collapsed_at']}**" if e["collapsed_at"] is not None else "no")
            for seed, e in entropy["seeds"].items()]
    return ("### Entropy collapse\n\nPolicy entropy of the GRPO rollouts (`metrics.csv`; steps whose "
            "completions were all truncated are left out). Collapse = entropy below "
            f"{entropy['floor']} (`grpo.entropy_floor`): seed 003 saw the reward crash after it.\n\n"
            + _table(["Seed", "lowest entropy", "at step", "collapsed?"], rows))


def _best(best: dict, seeds: dict) -> str:
    text = "## Best checkpoint per seed\n\n"
    if not best:
        return text + "No best.json found."
    flat = {seed: _flatten(b) for seed, b in best.items()}
    keys = list(dict.fromkeys(k for b in flat.values() for k in b))
    rows = [(k, *(_cell(b.get(k)) for b in flat.values())) for k in keys]
    return text + _table(["", *(f"seed {seed}" for seed in flat)], rows)


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
    comparisons = report["comparisons"]
    parts = ["## Results", _eval_means_figure(report["figures"])]
    for group, info in report["arms"]["groups"].items():
        pooled = info["pooled"]
        seeds = ", ".join(str(s) for s in info["seeds"])
        parts.append(f"### {group}: pooled over seeds {seeds} vs base\n\n"
                     f"`{pooled}` = each prompt's mean reward over the seeds. " + _study_table(comparisons, pooled))
        parts.append(_seed_table([r for r in report["seed_summary"] if r["group"] == group]))
        for seed, arm in info["arms"].items():
            parts.append(f"#### Seed {seed} (`{arm}`) vs base\n\n" + _study_table(comparisons, arm))
        versus_sft = [c for c in comparisons if c["baseline"] == "sft" and c["arm"] in (pooled, *info["arms"].values())]
        if versus_sft:
            parts.append(f"### {group} vs SFT\n\n" + _comparison_table(versus_sft))
    sft = [c for c in comparisons if (c["arm"], c["baseline"]) == ("sft", "base")]
    if sft:
        parts.append("### SFT vs base\n\n" + _comparison_table(sft))
    return "\n\n".join(p for p in parts if p)


def _eval_means_figure(figures: dict) -> str | None:
    return f"![Mean eval reward per arm and task]({figures['eval_means']})" if figures.get("eval_means") else None


def _study_table(comparisons: list[dict], arm: str) -> str:
    """The study's table (seed 003 §4) with SFT as a column, Holm, effect size and CI added."""
    rows = []
    for c in (c for c in comparisons if c["arm"] == arm and c["baseline"] == "base"):
        sft = next((s for s in comparisons if (s["arm"], s["baseline"], s["task"]) == ("sft", "base", c["task"])), None)
        rows.append((_task(c["task"]), _num(c["mean_baseline"]), _num(sft["mean_arm"]) if sft else "—",
                     _num(c["mean_arm"]), *_test_cells(c)))
    return "Significance: Holm-adjusted p < α across the tasks.\n\n" + _table(
        ["Task", "Base", "SFT", "Tuned", "Δ", "Δ%", "p", "p (Holm)", "r", "95% CI of Δ", "tied", "significant?"], rows)


def _comparison_table(comparisons: list[dict]) -> str:
    rows = [(f"`{c['arm']}`", _task(c["task"]), _num(c["mean_baseline"]), _num(c["mean_arm"]), *_test_cells(c))
            for c in comparisons]
    return _table(["Arm", "Task", "Baseline", "Arm mean", "Δ", "Δ%", "p", "p (Holm)", "r", "95% CI of Δ", "tied",
                   "significant?"], rows)


def _test_cells(c: dict) -> tuple:
    delta_pct = f"{c['delta_pct']:+.1f}%" if c["delta_pct"] is not None else "—"
    ci = f"[{c['ci95'][0]:+.3f}, {c['ci95'][1]:+.3f}]" if c["ci95"] and None not in c["ci95"] else "—"
    p = _p(c["p_value"]) if c["p_value"] is not None else ("n/a (all tied)" if c["tied"] == c["n"] else "n/a")
    return (f"{c['delta']:+.3f}", delta_pct, p, _p(c["p_holm"]), _num(c["effect_size"], signed=True), ci,
            f"{c['tied']}/{c['n']}", _yes(c["significant"]))


def _seed_table(rows: list[dict]) -> str:
    if not rows:
        return ""
    seeds = rows[0]["seeds"]
    body = [(_task(r["task"]), *(_num(r["per_seed_mean"][str(s)]) for s in seeds), _pm(r["mean"], r["sd"]),
             _pm(r["delta_mean"], r["delta_sd"], signed=True)) for r in rows]
    return "Across seeds (mean ± sd of per-seed means; sd needs two seeds):\n\n" + _table(
        ["Task", *(f"seed {s}" for s in seeds), "mean ± sd", "Δ vs base mean ± sd"], body)


def _diagnosis(scenario: dict, rules: list[str], diagnosis: list[dict]) -> str:
    label = f"Scenario {scenario['scenario']}" if scenario["scenario"] else "No scenario"
    text = ("## Diagnosis per task\n\nFollowing the handoff's decision tree (seed 001). "
            f"Overall: **{label}** — {scenario['text']}.\n\nPer task, the first rule that applies:\n\n"
            + "\n".join(f"{k}. {rule}" for k, rule in enumerate(rules, 1)) + "\n\n")
    rows = []
    for d in diagnosis:
        e = d["evidence"]
        rows.append((_task(d["task"]), f"**{d['verdict']}**", d["reason"], _num(e["tuned_mean"]),
                     _num(e["delta"], signed=True), _p(e["p_holm"]), _num(e["audit_spearman"]),
                     _cell(e["train_prompts"]), _num(e["validation_gain"], signed=True),
                     _cell(e["validation_best_at_last_eval"]), _num(e["same_reward_different_text"])))
    return text + _table(["Task", "Verdict", "Why", "Tuned", "Δ", "p (Holm)", "audit ρ", "train prompts",
                          "val. gain first→best", "best at last eval", "same reward, different text"], rows)


def _examples(examples: list[dict]) -> str:
    text = ["## Examples (base vs tuned)",
            "Per task, the eval prompt where the tuned arm gained most over base (first id on ties)."]
    for e in examples:
        text.append(f"### {e['task']} — `{e['id']}` (`{e['arm']}`)\n\n"
                    f"Base (reward {_num(e['base_reward'])}):\n\n{_fenced(e['base_completion'])}\n\n"
                    f"Tuned (reward {_num(e['tuned_reward'])}):\n\n{_fenced(e['tuned_completion'])}")
    return "\n\n".join(text) if examples else "## Examples\n\nNo tuned arm finished."


def _missing(seeds: dict, arms: dict) -> str:
    text = "## Missing seeds and arms\n\n"
    lines = [f"- {what}: seeds {', '.join(map(str, missing))}" for what, missing in seeds["missing"].items() if missing]
    if arms["missing"]:
        lines.append(f"- configured arms without eval records: {', '.join(arms['missing'])}")
    if not lines:
        return text + f"None: every configured seed ({', '.join(map(str, seeds['configured']))}) finished."
    return text + "The report ran with what finished (e.g. under `--keep-going`):\n\n" + "\n".join(lines)


def _method(statistics: dict) -> str:
    return ("## Statistics\n\n"
            f"- Test: {statistics['test']}\n- Effect size: {statistics['effect_size']}\n"
            f"- Interval: {statistics['interval']}\n- Multiple testing: {statistics['multiple_testing']}\n"
            f"- Pooling: {statistics['pooling']}\n- α = {statistics['alpha']}\n"
            f"- Zero differences: {statistics['zero_differences']}")


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
