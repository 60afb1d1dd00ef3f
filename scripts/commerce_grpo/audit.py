"""The reward audit: the gate between data and any training (L-reward-audit).

Checks, each of which stands for a failure the study met or a reward hack a policy finds:
1. Rewards vs people, per task: Spearman ρ between the reward and the mean score of independent,
   blind human raters (``data/audit/RUBRIC.md``, never the reward code) on items drawn mostly from
   the pipeline's own model outputs, plus each prompt's gold answer and adversarial answers
   (``commerce_grpo.audit_items`` builds them). The gate uses the mean rater; ρ per rater and the
   inter-rater agreement are recorded beside it.
2. Adversarial ranking (L-reward-spec): every adversarial item must score *below* the honest
   answer to the same prompt; below ``min_adversarial_accuracy`` of them the gate fails.
3. Sandbox: every sql_qa gold answer of the run's eval pairs, scored through the real SQL
   sandbox, must reach ``min_gold_sql``, with no sandbox or gold-query error; a snapshot that cannot be built or opened
   otherwise lowers every SQL reward silently and GRPO would train without its main SQL signal.
4. Parser audit (L-parser): eval extraction references rendered the way small models write them
   (decimal commas, fences, prose around the JSON); every rendering must parse back to the gold.
5. Classifier audit (L-classifier): every eval and audit prompt routes to its own task.
6. Swap test (L-reward-spec): per task, the honest answer to another training prompt of the same
   kind (intent, star rating, template) scored against this prompt; mean(swapped)/mean(honest)
   above ``max_swap_ratio`` means the reward pays answers that do not read their input.
A reward that raises on an audit item fails the gate too, and so does any failed call of the
optional LLM judge (``rewards.judge``) on the honest answers. On failure nothing is written and
``AuditGateError`` names every failed check.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from commerce_grpo import tasks as registry
from commerce_grpo.audit_checks import (PARSER_MIN_REWARD, adversarial_accuracy, classifier_audit, inter_rater,
                                        parser_audit, quadratic_kappa, sandbox_audit, sandbox_counters, score_items,
                                        swap_audit, task_audit)
from commerce_grpo.audit_inputs import load_items, load_ratings, ratings_paths
from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.files import write_atomic
from commerce_grpo.rewards import score
from commerce_grpo.tasklib import errors
from commerce_grpo.tasks import assistant_target

__all__ = ["AuditGateError", "read_audit", "run_reward_audit", "load_items", "load_ratings", "adversarial_accuracy",
           "inter_rater", "quadratic_kappa", "parser_audit", "classifier_audit"]
log = logging.getLogger(__name__)


class AuditGateError(RuntimeError):
    """The audit failed its gate: training must not start."""


# The layout of reward_audit.json: the writer fills it and read_audit() checks it, so a reader
# (the report) never guesses keys. Nested mappings name their required keys.
AUDIT_LAYOUT: dict[str, Any] = {
    "preset": str,
    "gate": {"min_spearman": (int, float), "min_adversarial_accuracy": (int, float), "min_gold_sql": (int, float),
             "max_swap_ratio": (int, float)},
    "passed": bool,
    "reward_errors": int,
    "tasks": dict,
    "sandbox": {"gold_checked": int, "gold_min_score": (int, float, type(None)), "errors": int, "passed": bool},
    "parser": dict,
    "classifier": dict,
    "swap": {"max_ratio": (int, float), "passed": bool, "tasks": dict},
}
TASK_LAYOUT: dict[str, Any] = {
    "n_items": int, "n_prompts": int, "raters": list, "spearman_per_rater": dict,
    "spearman_mean": (int, float, type(None)), "inter_rater": {"metric": str, "value": (int, float, type(None))},
    "adversarial_accuracy": (int, float, type(None)), "passed": bool, "reasons": list,
}


def _is(value: Any, kind: type | tuple) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return bool in kinds if isinstance(value, bool) else isinstance(value, kinds)


def _check_layout(value: Any, layout: Mapping[str, Any], where: str, path: str) -> None:
    if not isinstance(value, dict):
        raise ValueError(f"{path}: {where or 'top level'} must be an object, got {type(value).__name__}")
    for key, kind in layout.items():
        name = f"{where}.{key}" if where else key
        if key not in value:
            raise ValueError(f"{path}: missing key {name!r}")
        if isinstance(kind, dict):
            _check_layout(value[key], kind, name, path)
        elif not _is(value[key], kind):
            raise ValueError(f"{path}: key {name!r} has type {type(value[key]).__name__}, expected {kind}")


def read_audit(path: str | Path) -> dict:
    """Read ``reward_audit.json`` strictly: a missing key or wrong type raises ValueError naming file and key.

    The one reader of the file (the report goes through it), so writer and readers cannot drift.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot read the reward audit ({err})") from err
    _check_layout(data, AUDIT_LAYOUT, "", str(path))
    for task, entry in data["tasks"].items():
        _check_layout(entry, TASK_LAYOUT, f"tasks.{task}", str(path))
    if not data["tasks"]:
        raise ValueError(f"{path}: key 'tasks' names no task")
    unknown = [t for t in data["tasks"] if t not in registry.REGISTRY]
    if unknown:
        raise ValueError(f"{path}: key 'tasks.{unknown[0]}' is not a registered task (known: {list(registry.REGISTRY)})")
    return data


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)


def _markdown(result: Mapping[str, Any]) -> str:
    gate = result["gate"]
    lines = ["# Reward audit", "",
             f"Reward preset: `{result['preset']}`. Gate: per task, Spearman ρ ≥ {gate['min_spearman']} between "
             f"the reward and the mean human rating, and ≥ {gate['min_adversarial_accuracy']:.0%} of adversarial "
             f"answers scored below the honest answer to the same prompt; every sql_qa gold answer ≥ "
             f"{gate['min_gold_sql']} through the SQL sandbox with no sandbox error; every parser rendering read "
             f"back to gold; every prompt routed to its task; per task, another prompt's honest answer of the same "
             f"kind scored ≤ {gate['max_swap_ratio']} of the honest one. **{'PASSED' if result['passed'] else 'FAILED'}**.", "",
             "## Reward vs human ratings", "",
             "| task | items (model/gold/variant/adversarial) | prompts | ρ mean rater | ρ per rater | inter-rater ρ | "
             "inter-rater κ (quadratic) | adversarial below honest | passed |",
             "|---|---|---:|---:|---|---:|---:|---:|---|"]
    for task, t in result["tasks"].items():
        origin = t.get("n_by_origin", {})
        per_rater = ", ".join(f"{r} {_fmt(v)}" for r, v in t["spearman_per_rater"].items()) or "–"
        lines.append(f"| {task} | {t['n_items']} ({origin.get('model', 0)}/{origin.get('gold', 0)}/"
                     f"{origin.get('variant', 0)}/{origin.get('adversarial', 0)}) | {t['n_prompts']} | {_fmt(t['spearman_mean'])} | {per_rater} | "
                     f"{_fmt(t['inter_rater']['value'])} | {_fmt(t['inter_rater'].get('quadratic_kappa'))} | "
                     f"{_fmt(t['adversarial_accuracy'], '.0%')} | {'yes' if t['passed'] else 'no: ' + '; '.join(t['reasons'])} |")
    sandbox = result["sandbox"]
    lines += ["", "## SQL sandbox", "",
              f"{sandbox['gold_checked']} sql_qa eval gold answers scored through the sandbox: lowest "
              f"{_fmt(sandbox['gold_min_score'])}, sandbox errors {sandbox['errors']} (audit items' gold answers: "
              f"lowest {_fmt(sandbox.get('item_gold_min_score'))}). "
              f"**{'passed' if sandbox['passed'] else 'FAILED: ' + '; '.join(sandbox['reasons'])}**"]
    if sandbox.get("self_check"):
        failed = [c for c in sandbox["self_check"]["checks"] if not c["passed"]]
        lines += ["", f"Sandbox self-check: {len(sandbox['self_check']['checks']) - len(failed)}/"
                      f"{len(sandbox['self_check']['checks'])} checks passed"
                      + ("" if not failed else "; not passed: " + "; ".join(f"{c['name']} ({c['detail']})" for c in failed))
                      + "."]
    parser = result["parser"]
    lines += ["", f"## Parser audit ({parser['references']} eval extraction references)", "",
              "| rendering | n | json.loads | ours | ours = gold | lowest reward |", "|---|---:|---:|---:|---:|---:|"]
    for name, v in {**parser["variants"], "total": parser["total"]}.items():
        lines.append(f"| {name} | {v['n']} | {v['json_loads']} | {v['ours']} | {v['ours_equal_gold']} | "
                     f"{_fmt(v.get('reward_min'))} |")
    cls = result["classifier"]
    lines += ["", "## Classifier audit", "",
              f"{cls['eval']['correct']}/{cls['eval']['n']} eval prompts and "
              f"{cls['items']['correct']}/{cls['items']['n']} audit prompts route to their own task.",
              "", f"Reward functions that raised during the audit: {result['reward_errors']}.", ""]
    swap = result["swap"]
    lines += ["## Swap test (input sensitivity)", "",
              f"Per task, the honest answer to another training prompt of the same kind (up to {swap['per_kind']} "
              f"prompts of each kind) scored against this prompt; the gate: mean(swapped) / mean(honest) ≤ "
              f"{swap['max_ratio']}. **{'passed' if swap['passed'] else 'FAILED'}**.", "",
              "| task | pairs | honest | swapped | ratio | passed |", "|---|---:|---:|---:|---:|---|"]
    for task, t in swap["tasks"].items():
        verdict = "yes" if t["passed"] else "no"
        lines.append(f"| {task} | {t['pairs']} | {_fmt(t['honest_mean'])} | {_fmt(t['swapped_mean'])} | "
                     f"{_fmt(t['ratio'])} | {verdict if t['measured'] else 'not measured (too few pairs)'} |")
    lines.append("")
    judge = result.get("judge") or {}
    if judge.get("enabled"):
        lines += [f"LLM judge ({judge['model']} at {judge['base_url']}): {judge['scored']}/{judge['items']} honest "
                  f"answers scored, mean {_fmt(judge['mean'])}, failed calls {judge['errors']}.", ""]
    return "\n".join(lines)


def _gold_sql_answers(eval_records: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """The run's sql_qa eval records with their gold answers (query and explanation).

    Eval references are built on this run's commerce.db, so their gold answers must score in
    full; the audit items' references may come from another database (their explanation's numbers
    then differ), so their scores inform the ρ, not this check.
    """
    records = [r for r in eval_records if r.get("task") == "sql_qa"]
    return records, {r["id"]: assistant_target(r) for r in records}


def judge_audit(audit_items: list[dict], rewards: Mapping[str, Any]) -> dict:
    """With ``rewards.judge.enabled``, score every honest (gold) audit answer through the LLM judge.

    Any failed call (unreachable server, timeout, malformed answer) fails the gate: GRPO would
    otherwise train with a judge that only returns counted errors. Returns ``{"enabled": False}``
    when the judge is off.
    """
    from commerce_grpo.rewards import judge as judge_reward

    if not judge_reward.enabled(rewards):
        return {"enabled": False}
    cfg = judge_reward.judge_settings(rewards)
    honest = [i for i in audit_items if i["origin"]["kind"] == "gold"]
    before = errors.count(judge_reward.ERROR_KEY)
    scores = judge_reward.Judge(rewards).score_batch([i["task"] for i in honest],
                                                     [i["record"]["prompt"] for i in honest],
                                                     [i["completion"] for i in honest])
    scored = [s for s in scores if s is not None]
    return {"enabled": True, "base_url": cfg["base_url"], "model": cfg["model"], "items": len(honest),
            "scored": len(scored), "errors": errors.count(judge_reward.ERROR_KEY) - before,
            "mean": sum(scored) / len(scored) if scored else None}


def run_reward_audit(*, items: str | Path, ratings: str | Path | Iterable[str | Path], eval: str | Path,
                     train: str | Path, db: str | Path | None, outputs: Mapping[str, str | Path], min_spearman: float,
                     min_adversarial_accuracy: float, min_gold_sql: float, max_swap_ratio: float,
                     min_raters: int = 2, rewards: Mapping[str, Any] | None, tasks: Mapping[str, Any],
                     scorer: Callable = score) -> dict:
    """Run every check; write ``outputs['json']`` (layout: ``read_audit``) and ``outputs['md']`` only
    if the gate passes.

    ``tasks`` is the config's ``tasks`` section: the enabled tasks are audited (each needs its items;
    items of other tasks are left out). ``ratings`` is a glob pattern or a list of
    ``ratings_<rater>.jsonl`` files; ``train`` the training pairs the swap test draws from (GRPO
    optimises the reward on them). ``scorer`` is ``rewards.score`` (a test swaps in a deliberately
    broken reward). Raises AuditGateError naming every failed check (the task and its ρ, the hacks
    that outrank honest answers, the sandbox, the swap ratio).
    """
    audit_items = load_items(items)
    paths = ratings_paths(ratings)
    ratings_by_rater = load_ratings(paths, [i["id"] for i in audit_items])
    enabled = registry.enabled(tasks)
    audit_items = [i for i in audit_items if i["task"] in enabled]
    eval_records = read_pairs(eval)
    db = None if db is None else str(db)
    rewards_cfg = dict(rewards or {})
    from commerce_grpo.rewards.config import DEFAULT_PRESET

    errors_before, sandbox_baseline = errors.count(), sandbox_counters()
    item_rewards = score_items(audit_items, db=db, rewards=rewards, scorer=scorer)
    tasks = {task: task_audit(task, audit_items, item_rewards, ratings_by_rater, min_spearman=min_spearman,
                              min_adversarial_accuracy=min_adversarial_accuracy) for task in enabled}
    if "sql_qa" in enabled:
        gold_records, gold_answers = _gold_sql_answers(eval_records)
        sandbox = sandbox_audit(gold_records, gold_answers, db=db, rewards=rewards, min_gold_sql=min_gold_sql,
                                scorer=scorer, baseline=sandbox_baseline)
    else:  # the SQL sandbox serves sql_qa's reward alone: nothing of this run goes through it
        sandbox = {"gold_checked": 0, "gold_min_score": None, "errors": 0, "passed": True, "reasons": [], "low": []}
    sandbox["item_gold_min_score"] = min((item_rewards[i["id"]] for i in audit_items
                                          if i["task"] == "sql_qa" and i["origin"]["kind"] == "gold"), default=None)
    swap = swap_audit(read_pairs(train), tasks=list(enabled), db=db, rewards=rewards, max_ratio=max_swap_ratio,
                      scorer=scorer)
    reward_errors = errors.count() - errors_before
    judge = judge_audit(audit_items, rewards_cfg)
    parser = parser_audit(eval_records, scorer=scorer, rewards=rewards)
    classifier = {"eval": classifier_audit(eval_records),
                  "items": classifier_audit([{**i["record"], "id": i["id"], "task": i["task"]} for i in audit_items])}

    failures = []
    if len(ratings_by_rater) < min_raters:
        failures.append(f"ratings from {len(ratings_by_rater)} rater(s) ({[str(p) for p in paths]}), needs "
                        f">= {min_raters}: raters score the blind view (items_for_raters.jsonl) against "
                        "data/audit/RUBRIC.md and write ratings_<rater id>.jsonl beside the items")
    failures += [f"task {task}: {reason}" for task, t in tasks.items() for reason in t["reasons"]]
    failures += [f"sandbox: {reason}" for reason in sandbox["reasons"]]
    failures += [f"swap: {reason}" for reason in swap["reasons"]]
    if parser["total"]["ours_equal_gold"] < parser["total"]["n"]:
        bad = {k: v for k, v in parser["variants"].items() if v["ours_equal_gold"] < v["n"]}
        failures.append(f"parser: renderings not read back to gold: {bad}")
    low = {k: v["reward_min"] for k, v in parser["variants"].items() if v.get("reward_min", 1.0) < PARSER_MIN_REWARD}
    if low:
        failures.append(f"parser: gold extraction answers written the way small models write them score below "
                        f"{PARSER_MIN_REWARD} (lowest reward per rendering: {low})")
    for name, c in classifier.items():
        if c["misrouted"]:
            failures.append(f"classifier: {len(c['misrouted'])} {name} prompt(s) misrouted, e.g. {c['misrouted'][:3]}")
    if judge["enabled"] and (judge["errors"] or not judge["scored"]):
        failures.append(f"judge: {judge['errors']} of {judge['items']} judge call(s) on the honest audit answers "
                        f"failed (unreachable or malformed; {judge['base_url']}, model {judge['model']!r}; see the log)")
    if reward_errors:
        failures.append(f"rewards raised (or the sandbox failed) on {reward_errors} audit item(s) (see the log)")

    result = {
        "preset": str(rewards_cfg.get("preset", DEFAULT_PRESET)),
        "gate": {"min_spearman": min_spearman, "min_adversarial_accuracy": min_adversarial_accuracy,
                 "min_gold_sql": min_gold_sql, "max_swap_ratio": max_swap_ratio, "min_raters": min_raters},
        "passed": not failures, "failures": failures, "reward_errors": reward_errors,
        "tasks": tasks, "sandbox": sandbox, "parser": parser, "classifier": classifier, "swap": swap, "judge": judge,
        "items": [{"id": i["id"], "task": i["task"], "group": i["group"], "origin": i["origin"],
                   "reward": item_rewards[i["id"]],
                   "ratings": {r: s[i["id"]] for r, s in sorted(ratings_by_rater.items())}} for i in audit_items],
    }
    for task, t in tasks.items():
        log.info("reward audit: %s rho(mean rater)=%s adversarial=%s n=%d prompts=%d", task, t["spearman_mean"],
                 t["adversarial_accuracy"], t["n_items"], t["n_prompts"])
    if failures:
        log.error("reward audit summary:\n%s", _markdown(result))
        raise AuditGateError("reward audit gate failed (nothing trains):\n- " + "\n- ".join(failures))
    write_atomic(outputs["json"], json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    write_atomic(outputs["md"], _markdown(result))
    return result
