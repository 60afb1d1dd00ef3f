"""The audit's checks, each a pure function of scored items, ratings or records.

- ``task_audit``: ρ of the reward vs each rater and vs the mean rater, inter-rater agreement,
  adversarial ranking accuracy (L-reward-audit, L-reward-spec).
- ``sandbox_audit``: sql_qa gold answers through the real sandbox (a broken snapshot fails loudly).
- ``swap_audit``: the reward's input sensitivity (L-reward-spec): another prompt's honest answer
  scored against this one.
- ``parser_audit`` (L-parser) and ``classifier_audit`` (L-classifier).
"""
from __future__ import annotations

import json
import math
import random
import re
import statistics
import warnings
from collections import defaultdict
from itertools import combinations
from typing import Any, Callable, Mapping

from scipy.stats import spearmanr

from commerce_grpo import tasks as registry
from commerce_grpo.audit_inputs import ORIGIN_KINDS, RATING_MAX, RATING_MIN
from commerce_grpo.audit_items import gold_answer
from commerce_grpo.rewards import score
from commerce_grpo.rewards.classify import classify
from commerce_grpo.tasklib import errors
from commerce_grpo.tasklib.parsing import parse_json
from commerce_grpo.swaps import swap_partners
from commerce_grpo.tasklib.prompts import EXTRACTION_FIELDS

# What the rebuilt audit needs per task before its ρ means anything (the old hand-written set
# covered 4–6 prompts per task and no hack).
MIN_ITEMS_PER_TASK = 60
MIN_PROMPTS_PER_TASK = 15
MIN_ADVERSARIAL_PER_TASK = 10
# The swap test draws this many training prompts of each kind (task, intent, star rating or
# template; ``TaskSpec.kind``), the same ones for the same pair file: enough pairs per task for a
# stable mean (default run: 32 to 208 pairs), cheap enough to run before any training.
SWAP_PER_KIND = 8
SWAP_SEED = 0
# Fewer pairs than this measure noise (a tiny config's two near-identical summaries), not the
# reward: the task is recorded as not measured.
MIN_SWAP_PAIRS = 10
# A gold extraction answer written with a fence, a decimal comma or a sentence around it is still
# the right answer: the reward must not score it like a wrong one (L-parser).
PARSER_MIN_REWARD = 0.5


def _rho(a: list[float], b: list[float]) -> float | None:
    """Spearman ρ, or None when it is undefined (a constant side: reported as a failed gate)."""
    if len(a) < 3:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rho = spearmanr(a, b).statistic
    return None if rho is None or math.isnan(rho) else round(float(rho), 4)


def quadratic_kappa(a: list[float], b: list[float], *, low: int = RATING_MIN, high: int = RATING_MAX) -> float | None:
    """Cohen's κ with quadratic weights for two raters' whole-number scores on [low, high]."""
    n, k = len(a), high - low + 1
    if n == 0:
        return None
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        observed[int(x) - low][int(y) - low] += 1
    rows = [sum(r) for r in observed]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            w = (i - j) ** 2 / (k - 1) ** 2
            num += w * observed[i][j]
            den += w * rows[i] * cols[j] / n
    return None if den == 0 else round(1 - num / den, 4)


def inter_rater(scores: dict[str, list[float]]) -> dict[str, Any]:
    """Agreement between raters: mean pairwise Spearman ρ (the gate's statistic) and quadratic κ."""
    pairs = list(combinations(sorted(scores), 2))
    rhos = [_rho(scores[a], scores[b]) for a, b in pairs]
    kappas = [quadratic_kappa(scores[a], scores[b]) for a, b in pairs]
    mean = (lambda xs: None if not xs or any(x is None for x in xs) else round(statistics.fmean(xs), 4))
    return {"metric": "spearman", "value": mean(rhos), "quadratic_kappa": mean(kappas), "pairs": len(pairs)}


def score_items(items: list[dict], *, db: str | None, rewards: Mapping | None, scorer: Callable = score) -> dict[str, float]:
    """item id → reward total, through ``scorer`` (``rewards.score``)."""
    return {item["id"]: round(scorer({**item["record"], "task": item["task"]}, item["completion"],
                                     db=db, config=rewards).total, 4) for item in items}


def adversarial_accuracy(items: list[dict], rewards: Mapping[str, float]) -> tuple[float | None, list[dict]]:
    """Fraction of adversarial items the reward scores strictly below their honest answer, and the misses."""
    adversarial = [i for i in items if i["origin"]["kind"] == "adversarial"]
    misses = [{"id": i["id"], "hack": i["origin"].get("hack"), "reward": rewards[i["id"]],
               "honest_reward": rewards[i["honest_of"]]}
              for i in adversarial if not rewards[i["id"]] < rewards[i["honest_of"]]]
    if not adversarial:
        return None, misses
    return round(1 - len(misses) / len(adversarial), 4), misses


def task_audit(task: str, items: list[dict], rewards: Mapping[str, float], ratings: dict[str, dict[str, float]], *,
               min_spearman: float, min_adversarial_accuracy: float) -> dict[str, Any]:
    """One task's entry of reward_audit.json (layout: TASK_LAYOUT), with the reasons it fails."""
    rows = [i for i in items if i["task"] == task]
    ids = [i["id"] for i in rows]
    reward = [rewards[i] for i in ids]
    per_rater = {r: [scores[i] for i in ids] for r, scores in sorted(ratings.items())}
    mean_rating = [statistics.fmean(per_rater[r][k] for r in per_rater) for k in range(len(ids))] if per_rater else []
    accuracy, misses = adversarial_accuracy(rows, rewards)
    n_prompts = len({i["group"] for i in rows})
    n_adversarial = sum(i["origin"]["kind"] == "adversarial" for i in rows)
    entry: dict[str, Any] = {
        "n_items": len(rows), "n_prompts": n_prompts,
        "n_by_origin": {k: sum(i["origin"]["kind"] == k for i in rows) for k in ORIGIN_KINDS},
        "raters": sorted(per_rater),
        "spearman_per_rater": {r: _rho(reward, s) for r, s in per_rater.items()},
        "spearman_mean": _rho(reward, mean_rating) if per_rater else None,
        "inter_rater": inter_rater(per_rater) if len(per_rater) >= 2 else {"metric": "spearman", "value": None},
        "adversarial_accuracy": accuracy, "adversarial_misses": misses,
    }
    reasons = []
    if len(rows) < MIN_ITEMS_PER_TASK or n_prompts < MIN_PROMPTS_PER_TASK:
        reasons.append(f"only {len(rows)} items over {n_prompts} prompts (needs >= {MIN_ITEMS_PER_TASK} over "
                       f">= {MIN_PROMPTS_PER_TASK})")
    if n_adversarial < MIN_ADVERSARIAL_PER_TASK:
        reasons.append(f"only {n_adversarial} adversarial items (needs >= {MIN_ADVERSARIAL_PER_TASK})")
    rho = entry["spearman_mean"]
    if rho is None or rho < min_spearman:
        reasons.append(f"Spearman rho (reward vs mean rater) = {rho} < {min_spearman} (n={len(rows)})")
    if accuracy is None or accuracy < min_adversarial_accuracy:
        hacks = sorted({m["hack"] for m in misses})
        reasons.append(f"adversarial accuracy = {accuracy} < {min_adversarial_accuracy}: "
                       f"{len(misses)} adversarial item(s) not below the honest answer ({', '.join(hacks)})")
    entry["passed"], entry["reasons"] = not reasons, reasons
    return entry


def swap_sample(records: list[dict], *, per_kind: int = SWAP_PER_KIND, seed: int = SWAP_SEED) -> list[dict]:
    """Up to ``per_kind`` records of every (task, kind) holding two or more, drawn by a seeded
    shuffle of their ids (input order does not matter)."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for record in records:
        groups[record["task"], registry.get(record["task"]).kind(record)].append(record)
    sample = []
    for (task, kind), members in sorted(groups.items()):
        members = sorted(members, key=lambda r: r["id"])
        random.Random(f"{seed}:{task}:{kind}").shuffle(members)
        if len(members) >= 2:
            sample += members[:per_kind]
    return sample


def swap_audit(records: list[dict], *, tasks: list[str], db: str | None, rewards: Mapping | None, max_ratio: float,
               scorer: Callable = score) -> dict[str, Any]:
    """The reward's input sensitivity, per task (L-reward-spec): the honest answer to another
    prompt of the same kind (``TaskSpec.kind``: the same intent, star rating or template;
    ``swaps.swap_partners``) scored against this prompt. ``ratio`` = mean(swapped) / mean(honest)
    over the prompts with a partner; above ``max_ratio`` the reward pays for answers that do not
    read their input (the demo's per-intent push template earned 0.71 of the honest score), and
    the gate fails. A task with fewer than ``MIN_SWAP_PAIRS`` pairs is recorded as not measured.
    """
    sample = [r for r in swap_sample(records) if r["task"] in tasks]
    partners = swap_partners(sample, same_kind=True, seed=SWAP_SEED)
    by_id = {r["id"]: r for r in sample}
    result, reasons = {}, []
    for task in tasks:
        ids = [r["id"] for r in sample if r["task"] == task and r["id"] in partners]
        if len(ids) < MIN_SWAP_PAIRS:
            result[task] = {"pairs": len(ids), "honest_mean": None, "swapped_mean": None, "ratio": None,
                            "measured": False, "passed": True}
            continue
        honest = [scorer(by_id[i], gold_answer(by_id[i]), db=db, config=rewards).total for i in ids]
        swapped = [scorer(by_id[i], gold_answer(by_id[partners[i]]), db=db, config=rewards).total for i in ids]
        honest_mean, swapped_mean = statistics.fmean(honest), statistics.fmean(swapped)
        ratio = round(swapped_mean / honest_mean, 4) if honest_mean > 0 else None
        entry = {"pairs": len(ids), "honest_mean": round(honest_mean, 4), "swapped_mean": round(swapped_mean, 4),
                 "ratio": ratio, "measured": True, "passed": True}
        if ratio is None:
            entry["passed"] = False
            reasons.append(f"task {task}: the honest answers to {len(ids)} training prompts all score 0 on their own "
                           "prompts: the swap ratio is undefined (is the reward scoring another task?)")
        elif ratio > max_ratio:
            entry["passed"] = False
            reasons.append(f"task {task}: another prompt's honest answer of the same kind scores {ratio} of the "
                           f"honest one (mean {entry['swapped_mean']} vs {entry['honest_mean']} over {len(ids)} "
                           f"training prompts) > {max_ratio}: the reward does not read the input")
        result[task] = entry
    return {"max_ratio": max_ratio, "per_kind": SWAP_PER_KIND, "passed": not reasons, "reasons": reasons,
            "tasks": result}


def sandbox_counters() -> tuple[int | None, int]:
    """(the sandbox's own error count or None, sql_qa reward errors): a baseline for ``sandbox_audit``."""
    return _sandbox_errors(), errors.count("sql_qa")


def _sandbox_errors() -> int | None:
    """The SQL sandbox's own error counter (snapshot/worker/gold-query failures), if it has one."""
    from commerce_grpo.tasklib import sql_sandbox

    health = getattr(sql_sandbox, "health", None)
    return int(health()["errors"]) if callable(health) else None


def sandbox_audit(records: list[dict], gold_answers: Mapping[str, str], *, db: str | None, rewards: Mapping | None,
                  min_gold_sql: float, scorer: Callable = score,
                  baseline: tuple[int | None, int] | None = None) -> dict[str, Any]:
    """Every sql_qa gold answer scored through the real sandbox must reach ``min_gold_sql``, with no
    sandbox or gold-query error counted since ``baseline`` (``sandbox_counters()`` taken when the
    audit started scoring; default: now).

    A snapshot that cannot be built or opened makes every query end in an error: the gold answer
    then scores far below its true value and the rest of the audit could still pass (the SQL reward
    degrades silently). This check makes that failure loud.
    """
    sandbox_before, errors_before = baseline or sandbox_counters()
    scores, low = {}, []
    for record in records:
        total = scorer({**record, "task": "sql_qa"}, gold_answers[record["id"]], db=db, config=rewards).total
        scores[record["id"]] = round(total, 4)
        if not total >= min_gold_sql:
            low.append({"id": record["id"], "score": round(total, 4)})
    sandbox_after = _sandbox_errors()
    counted = errors.count("sql_qa") - errors_before
    sandbox_errors = counted if sandbox_after is None else max(sandbox_after - sandbox_before, counted)
    reasons = []
    self_check = _self_check(db)
    if self_check is not None:
        broken = [c for c in self_check["checks"] if not c["passed"] and not c["name"].startswith("probe:")]
        if broken:
            reasons.append("sandbox self-check failed: " + "; ".join(f"{c['name']}: {c['detail']}" for c in broken[:5]))
    if db is None:
        reasons.append("no database given: sql_qa gold answers cannot be executed")
    if not records:
        reasons.append("no sql_qa gold answer to check")
    if low:
        reasons.append(f"{len(low)}/{len(records)} sql_qa gold answer(s) score below {min_gold_sql} through the "
                       f"sandbox, e.g. {low[:3]}")
    if sandbox_errors:
        reasons.append(f"{sandbox_errors} sandbox/gold-query error(s) during the audit "
                       "(snapshot or worker broken? see the log)")
    return {"gold_checked": len(records), "gold_min_score": min(scores.values()) if scores else None,
            "errors": int(sandbox_errors), "passed": not reasons, "reasons": reasons, "low": low,
            "self_check": self_check}


def _self_check(db: str | None) -> dict | None:
    """The sandbox's own self-check (table counts through the sandbox vs direct, hostile probes).

    Data checks gate; the probes' timings are recorded only: on a loaded machine a kill can take
    longer than its budget without the sandbox being broken (its tests hold the limits).
    """
    from commerce_grpo.tasklib import sql_sandbox

    check = getattr(sql_sandbox, "self_check", None)
    if db is None or not callable(check):
        return None
    try:
        result = check(db)
    except Exception as exc:  # a self-check that cannot even run is a failed one, with its reason
        return {"passed": False, "checks": [{"name": "self_check", "passed": False, "detail": repr(exc)[:300]}]}
    return {"passed": bool(result["passed"]), "checks": result["checks"]}


def _pt_decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def render_like_small_models(reference: Mapping[str, Any]) -> dict[str, str]:
    """The gold JSON written the ways small models write it (L-parser: json.loads rejected `4,5`)."""
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


def parser_audit(eval_records: list[dict], *, scorer: Callable | None = None,
                 rewards: Mapping | None = None) -> dict:
    """Per rendering: how many parse with json.loads, with ours, come back equal to gold, and (with
    ``scorer``) the lowest reward the rendering gets.

    The reward check is what L-parser needs: the study's parser was the reward's own, so a gold
    answer with a decimal comma scored like a wrong one. Checking our parser alone would miss a
    reward that stopped using it.
    """
    records = [r for r in eval_records if r.get("task") == "extraction"]
    variants: dict[str, dict[str, Any]] = {}
    for record in records:
        reference = record["reference"]
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
            if scorer is not None:
                total = round(scorer({**record, "task": "extraction"}, text, db=None, config=rewards).total, 4)
                counts["reward_min"] = min(counts.get("reward_min", total), total)
    total = {k: sum(v[k] for v in variants.values()) for k in ("n", "json_loads", "ours", "ours_equal_gold")}
    return {"references": len(records), "variants": variants, "total": total}


def classifier_audit(records: list[dict]) -> dict:
    """Every prompt must route to its own task."""
    wrong = [{"id": r.get("id"), "task": r.get("task"), "routed_to": classify(r.get("prompt"))}
             for r in records if classify(r.get("prompt")) != r.get("task")]
    return {"n": len(records), "correct": len(records) - len(wrong), "misrouted": wrong}
