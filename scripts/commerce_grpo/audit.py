"""The reward audit: the gate between data and any training (seed 003 §3, V4.2 change 2).

Three checks, each of which caught a real bug in the study:
1. Spearman ρ per task between the shipped reward and human scores written against
   data/audit/RUBRIC.md (never against the reward code); below ``min_spearman`` the rule fails.
2. Parser audit: eval extraction references rendered the way small models write them (decimal
   commas, fences, prose around the JSON); plain ``json.loads`` vs our parser (seed 001: the
   decimal-comma bug cut extraction reward by 3×). Every rendering must parse back to the gold.
3. Classifier audit: every eval prompt routes to its own task (the "reengajamento" bug).
A reward that raises on an audit item fails the gate too. On failure nothing is written.
"""
from __future__ import annotations

import json
import logging
import math
import re
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

from scipy.stats import spearmanr

from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.files import read_jsonl
from commerce_grpo.prompts import EXTRACTION_FIELDS, TASKS
from commerce_grpo.rewards import errors, score
from commerce_grpo.rewards.classify import classify
from commerce_grpo.rewards.parsing import parse_json

log = logging.getLogger(__name__)

MIN_ITEMS = 80
MIN_ITEMS_PER_TASK = 20
AUDIT_KEYS = ("id", "task", "record", "completion", "human_score", "note")


class AuditGateError(RuntimeError):
    """The audit failed its gate: training must not start."""


def load_human_scores(path: str | Path) -> list[dict]:
    """Read and validate the human-scored completions; errors name the file, line and key."""
    items, seen = [], set()
    for lineno, item in read_jsonl(path):
        where = f"{path}:{lineno}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a JSON object")
        missing = [k for k in AUDIT_KEYS if k not in item]
        if missing:
            raise ValueError(f"{where}: missing key(s) {missing}")
        if item["id"] in seen:
            raise ValueError(f"{where}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        if item["task"] not in TASKS:
            raise ValueError(f"{where}: task {item['task']!r} is not one of {list(TASKS)}")
        record = item["record"]
        if not isinstance(record, dict) or not isinstance(record.get("prompt"), list) \
                or not isinstance(record.get("reference"), dict):
            raise ValueError(f"{where}: record needs a 'prompt' message list and a 'reference' object")
        if not isinstance(item["completion"], str):
            raise ValueError(f"{where}: completion must be a string")
        h = item["human_score"]
        if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 <= h <= 1:
            raise ValueError(f"{where}: human_score must be a number in [0, 1], got {h!r}")
        items.append(item)
    counts = {t: sum(i["task"] == t for i in items) for t in TASKS}
    if len(items) < MIN_ITEMS or min(counts.values()) < MIN_ITEMS_PER_TASK:
        raise ValueError(f"{path}: needs >= {MIN_ITEMS} items and >= {MIN_ITEMS_PER_TASK} per task, "
                         f"got {len(items)} ({counts})")
    return items


def spearman_audit(items: list[dict], *, db: str | None, rewards: Mapping | None,
                   scorer: Callable = score) -> tuple[dict, list[dict]]:
    """ρ per task between reward and human score, and the scored items."""
    scored = []
    for item in items:
        record = {**item["record"], "task": item["task"]}
        reward = scorer(record, item["completion"], db=db, config=rewards)
        scored.append({"id": item["id"], "task": item["task"], "human_score": item["human_score"],
                       "reward": round(reward.total, 4),
                       "components": {k: round(v, 4) for k, v in reward.components.items()}})
    per_task = {}
    for task in TASKS:
        rows = [s for s in scored if s["task"] == task]
        with warnings.catch_warnings():  # a constant reward gives NaN, reported as a failed gate
            warnings.simplefilter("ignore")
            rho, p = spearmanr([s["reward"] for s in rows], [s["human_score"] for s in rows])
        per_task[task] = {"n": len(rows), "rho": None if math.isnan(rho) else round(float(rho), 4),
                          "p_value": None if math.isnan(p) else float(p)}
    return per_task, scored


def _pt_decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def render_like_small_models(reference: Mapping[str, Any]) -> dict[str, str]:
    """The gold JSON written the ways small models write it (seed 001, V4 parser failures)."""
    compact = json.dumps(reference, ensure_ascii=False)
    pretty = json.dumps(reference, ensure_ascii=False, indent=2)
    churn = reference.get("churn_risk")
    comma = pretty
    if isinstance(churn, (int, float)) and not isinstance(churn, bool):
        comma = re.sub(r'("churn_risk":\s*)[-0-9.eE+]+', lambda m: m.group(1) + _pt_decimal(churn), pretty)
    return {
        "plain": compact,
        "fenced": f"```json\n{pretty}\n```",
        "decimal_comma": comma,
        "trailing_prose": f"{compact}\n\nEspero ter ajudado! Qualquer dúvida, estou à disposição.",
        "fenced_comma_with_prose": f"Aqui está a extração da avaliação:\n```json\n{comma}\n```\n"
                                   "Observação: o cliente parece insatisfeito {ver campo summary}.",
        "trailing_comma": pretty[:-1].rstrip() + ",\n}",
    }


def _same_as_gold(parsed: Mapping[str, Any] | None, reference: Mapping[str, Any]) -> bool:
    if parsed is None:
        return False
    for field in EXTRACTION_FIELDS:
        a, b = parsed.get(field), reference.get(field)
        if isinstance(b, float) or isinstance(a, float):
            if not (isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 0.005):
                return False
        elif a != b or type(a) is not type(b):
            return False
    return True


def parser_audit(eval_records: list[dict]) -> dict:
    """Per rendering: how many parse with json.loads, with ours, and come back equal to gold."""
    references = [r["reference"] for r in eval_records if r.get("task") == "extraction"]
    variants: dict[str, dict[str, Any]] = {}
    for reference in references:
        for name, text in render_like_small_models(reference).items():
            counts = variants.setdefault(name, {"n": 0, "json_loads": 0, "ours": 0, "ours_equal_gold": 0})
            counts["n"] += 1
            try:
                counts["json_loads"] += isinstance(json.loads(text), dict)
            except ValueError:
                pass
            parsed = parse_json(text).value
            counts["ours"] += parsed is not None
            counts["ours_equal_gold"] += _same_as_gold(parsed, reference)
    total = {k: sum(v[k] for v in variants.values()) for k in ("n", "json_loads", "ours", "ours_equal_gold")}
    return {"references": len(references), "variants": variants, "total": total}


def classifier_audit(records: list[dict]) -> dict:
    """Every prompt must route to its own task."""
    wrong = [{"id": r.get("id"), "task": r.get("task"), "routed_to": classify(r.get("prompt"))}
             for r in records if classify(r.get("prompt")) != r.get("task")]
    return {"n": len(records), "correct": len(records) - len(wrong), "misrouted": wrong}


def _markdown(result: Mapping[str, Any]) -> str:
    gate = result["gate"]
    lines = ["# Reward audit", "",
             f"Gate: Spearman ρ ≥ {gate['min_spearman']} per task between reward and human score; "
             "every parser rendering read back to gold; every eval prompt routed to its task. "
             f"**{'PASSED' if gate['passed'] else 'FAILED'}**.", "",
             "## Reward vs human scores", "", "| task | n | Spearman ρ | p-value |", "|---|---:|---:|---:|"]
    for task, s in result["spearman"].items():
        lines.append(f"| {task} | {s['n']} | {s['rho']:.3f} | {s['p_value']:.2g} |")
    parser = result["parser"]
    lines += ["", f"## Parser audit ({parser['references']} eval extraction references)", "",
              "| rendering | n | json.loads | ours | ours = gold |", "|---|---:|---:|---:|---:|"]
    for name, v in {**parser["variants"], "total": parser["total"]}.items():
        lines.append(f"| {name} | {v['n']} | {v['json_loads']} | {v['ours']} | {v['ours_equal_gold']} |")
    cls = result["classifier"]
    lines += ["", "## Classifier audit", "",
              f"{cls['eval']['correct']}/{cls['eval']['n']} eval prompts and "
              f"{cls['human_scores']['correct']}/{cls['human_scores']['n']} audit prompts route to their own task.",
              "", f"Reward functions that raised during the audit: {result['reward_errors']}.", ""]
    return "\n".join(lines)


def run_reward_audit(*, human_scores: str | Path, eval: str | Path, db: str | Path | None,
                     outputs: Mapping[str, str | Path], min_spearman: float,
                     rewards: Mapping[str, Any] | None, scorer: Callable = score) -> dict:
    """Run the three audits; write ``outputs['json']`` and ``outputs['md']`` only if the gate passes.

    ``scorer`` is ``rewards.score`` (a test swaps in a deliberately broken reward). Raises
    AuditGateError naming every failed check (the task and its ρ for the Spearman gate).
    """
    items = load_human_scores(human_scores)
    eval_records = read_pairs(eval)
    db = None if db is None else str(db)
    errors_before = errors.count()
    spearman, scored = spearman_audit(items, db=db, rewards=rewards, scorer=scorer)
    reward_errors = errors.count() - errors_before
    parser = parser_audit(eval_records)
    classifier = {"eval": classifier_audit(eval_records),
                  "human_scores": classifier_audit([{**i["record"], "id": i["id"], "task": i["task"]} for i in items])}

    failures = [f"task {task}: Spearman rho = {s['rho']} < {min_spearman} (n={s['n']})"
                for task, s in spearman.items() if s["rho"] is None or s["rho"] < min_spearman]
    if parser["total"]["ours_equal_gold"] < parser["total"]["n"]:
        bad = {k: v for k, v in parser["variants"].items() if v["ours_equal_gold"] < v["n"]}
        failures.append(f"parser: renderings not read back to gold: {bad}")
    for name, c in classifier.items():
        if c["misrouted"]:
            failures.append(f"classifier: {len(c['misrouted'])} {name} prompt(s) misrouted, e.g. {c['misrouted'][:3]}")
    if reward_errors:
        failures.append(f"rewards raised on {reward_errors} audit item(s) (see the log)")
    if failures:
        raise AuditGateError("reward audit gate failed (nothing trains):\n- " + "\n- ".join(failures))

    result = {"gate": {"min_spearman": min_spearman, "passed": True}, "spearman": spearman, "parser": parser,
              "classifier": classifier, "reward_errors": reward_errors, "items": scored}
    for key in ("json", "md"):
        Path(outputs[key]).parent.mkdir(parents=True, exist_ok=True)
    Path(outputs["json"]).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    Path(outputs["md"]).write_text(_markdown(result), encoding="utf-8")
    for task, s in spearman.items():
        log.info("reward audit: %s rho=%.3f (n=%d)", task, s["rho"], s["n"])
    return result
