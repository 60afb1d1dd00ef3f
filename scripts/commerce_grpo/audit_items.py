"""Build the reward audit's items: real model outputs, honest gold answers and adversarial hacks.

L-reward-audit: the gate is only as good as its items. A hand-written set spanning empty to
perfect says little (a reward that pays for keywords still ranks it well), so most items here are
sampled from the pipeline's own arms (base, SFT, GRPO) on train/validation prompts (never eval
prompts, which only the final comparison may see), at the eval decoding and at sampling
temperatures for variety. Each prompt also gets its honest gold answer, partly right variants of
it (so the raters' scale has a middle), and adversarial answers (the hacks a policy finds: constant
answers, off-task formats, keyword salad, ...) linked to that gold item, so the audit can count how
often the reward ranks a hack above the honest answer.

Outputs (``build_items``):
- ``items.jsonl``: everything the audit needs (record with prompt and reference, completion,
  origin, ``group`` = prompt id, ``honest_of`` = the gold item an adversarial item is ranked against).
- ``items_for_raters.jsonl``: the blind view for human raters: id, task, prompt, completion and the
  gold information a human needs (the gold result rows for sql_qa); no origin, no reward, no link.
Ids are opaque hashes and the rater view is shuffled, so neither order nor id reveals the origin.

Run: ``python -m commerce_grpo.audit_items --results <run>/results --db <run>/data/commerce.db
--out data/audit [--cache gen.json]``. For a set raters already scored, ``--extend
data/audit/items.jsonl`` writes only a second round (``items_round2*.jsonl``: arm families and
variants the set lacks); ``--merge`` appends it to the item files once its ratings are in.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
from pathlib import Path
from typing import Any, Iterable

from commerce_grpo import tasks as registry

log = logging.getLogger(__name__)

# Decoding of the sampled items: the eval decoding (temperature 0.1) and two sampling temperatures.
TEMPERATURES = (0.1, 0.7, 1.0)


# ---------------------------------------------------------------- gold, hacks and variants
def gold_answer(record: dict) -> str:
    """The honest, correct answer for ``record`` (what a careful analyst would write)."""
    spec = registry.get(record["task"])
    return (spec.gold or spec.target)(record)


def adversarial_answers(record: dict, gold: str) -> dict[str, str]:
    """Hack name → adversarial completion for ``record`` (each must rank below ``gold``): its task's hooks."""
    return registry.get(record["task"]).adversarial(record, gold)


# The tiny demo model's outputs are mostly unusable and the gold answers perfect: without answers
# in between, ρ would only say "gold beats junk". Variants of the gold answer with one realistic
# flaw (or a harmless one) give the raters' scale its middle, so ρ also tests the reward's grading.
def variant_answers(record: dict, gold: str) -> dict[str, str]:
    """Flaw name → a variant of the gold answer with one realistic flaw (or a harmless difference)."""
    variants = registry.get(record["task"]).variants(record, gold)
    return {k: v for k, v in variants.items() if v.strip() and v.strip() != gold.strip()}


def _tasks_of(records: Iterable[dict]) -> list[str]:
    """The tasks present in ``records``, in registry order."""
    present = {r["task"] for r in records}
    return [t for t in registry.REGISTRY if t in present]


# ---------------------------------------------------------------- prompt selection
def _stratum(record: dict) -> str:
    if record["task"] == "extraction":
        return str(record.get("source", {}).get("review_score"))
    source = record.get("source", {})
    return str(source.get("template") or record["reference"].get("topic") or record["reference"].get("intent"))


def select_prompts(records: Iterable[dict], *, per_task: int, seed: int) -> list[dict]:
    """``per_task`` distinct prompts per task, validation first, then train, spread over templates.

    Round-robin over strata (template, intent, or review score) so the items cover every kind of
    question rather than the most frequent template.
    """
    rng = random.Random(seed)
    chosen = []
    records = list(records)
    by_task: dict[str, list[dict]] = {t: [] for t in _tasks_of(records)}
    for r in records:
        if r.get("split") == "eval":
            raise ValueError(f"pair {r.get('id')}: eval prompts must never enter the audit items")
        by_task[r["task"]].append(r)
    for task, pool in by_task.items():
        seen_prompts, strata = set(), {}
        for r in sorted(pool, key=lambda r: (r["split"] != "validation", rng.random())):
            key = json.dumps(r["prompt"], ensure_ascii=False)
            if key in seen_prompts:
                continue
            seen_prompts.add(key)
            strata.setdefault(_stratum(r), []).append(r)
        picked: list[dict] = []
        while len(picked) < per_task and any(strata.values()):
            for name in sorted(strata):
                if strata[name] and len(picked) < per_task:
                    picked.append(strata[name].pop(0))
        if len(picked) < per_task:
            raise ValueError(f"task {task}: only {len(picked)} distinct train/validation prompts, need {per_task}")
        chosen += picked
    return chosen


# ---------------------------------------------------------------- model outputs
def generate_arm_outputs(records: list[dict], *, base: Path, adapter: Path | None, model_cfg: dict,
                         temperatures: Iterable[float], max_new_tokens: int, seed: int) -> dict[float, list[str]]:
    """Completions of one arm for every record at each temperature, with the project's own loader/decoder."""
    from commerce_grpo.generation import generate  # heavy imports only when generating
    from commerce_grpo.modeling import load_model

    lm, tokenizer = load_model(base, adapter=adapter, model=model_cfg)
    prompts = [r["prompt"] for r in records]
    return {t: generate(lm, tokenizer, prompts, max_new_tokens=max_new_tokens, temperature=t, top_p=1.0, top_k=0,
                        seed=seed, batch_size=32) for t in temperatures}


def _item_id(*parts: Any) -> str:
    return "audit-" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:10]


def rater_view(item: dict) -> dict:
    """What a blind rater sees: the prompt, the completion and the gold facts a human needs."""
    view = {"id": item["id"], "task": item["task"], "prompt": item["record"]["prompt"],
            "completion": item["completion"]}
    return view | registry.get(item["task"]).rater_facts(item["record"])


def assemble_items(prompts: list[dict], outputs: dict[str, dict[float, list[str]]], *,
                   model_per_prompt: int, adversarial_per_task: int, variants_per_task: int, seed: int) -> list[dict]:
    """Items: per prompt its gold answer and up to ``model_per_prompt`` distinct model outputs;
    per task ``variants_per_task`` partly right variants and ``adversarial_per_task`` adversarial
    items, spread over prompts and over flaw/hack kinds."""
    rng = random.Random(seed)
    items: list[dict] = []
    hack_turn: dict[str, int] = {}
    variant_turn: dict[str, int] = {}
    tasks = _tasks_of(prompts)
    variants_left = dict.fromkeys(tasks, variants_per_task)
    adversarial_left = dict.fromkeys(tasks, adversarial_per_task)
    prompts_left = {t: sum(p["task"] == t for p in prompts) for t in tasks}
    for index, record in enumerate(prompts):
        task = record["task"]
        rec = {k: record[k] for k in ("id", "task", "split", "prompt", "reference", "source") if k in record}
        gold = gold_answer(record)
        gold_id = _item_id(record["id"], "gold")
        base = {"task": task, "group": record["id"], "record": rec}
        items.append({**base, "id": gold_id, "completion": gold, "origin": {"kind": "gold"}, "honest_of": None})
        seen = {gold.strip()}
        # Spread over arms: one random-temperature output of each arm (in random order) comes first.
        arm_names = list(outputs)
        rng.shuffle(arm_names)
        rounds: dict[str, list] = {arm: [(arm, t, texts[index]) for t, texts in outputs[arm].items()]
                                   for arm in arm_names}
        for options in rounds.values():
            rng.shuffle(options)
        candidates = [c for depth in range(len(TEMPERATURES)) for arm in arm_names
                      for c in rounds[arm][depth:depth + 1]]
        taken = 0
        for arm, t, text in candidates:
            if taken >= model_per_prompt:
                break
            if text.strip() in seen:
                continue
            seen.add(text.strip())
            items.append({**base, "id": _item_id(record["id"], arm, t), "completion": text,
                          "origin": {"kind": "model", "arm": arm, "temperature": t}, "honest_of": None})
            taken += 1
        # One partly right variant of the gold answer per prompt (rotating through the flaws) ...
        if variants_left[task] > 0:
            variants = variant_answers(record, gold)
            names = sorted(variants)
            turn = variant_turn.get(task, 0)
            variant_turn[task] = turn + 1
            name = names[turn % len(names)]
            if variants[name].strip() not in seen:
                seen.add(variants[name].strip())
                items.append({**base, "id": _item_id(record["id"], "variant", name), "completion": variants[name],
                              "origin": {"kind": "variant", "flaw": name}, "honest_of": None})
                variants_left[task] -= 1
        # ... and adversarial items: an even share per prompt, rotating through the hack kinds.
        share = -(-adversarial_left[task] // prompts_left[task])
        prompts_left[task] -= 1
        hacks = adversarial_answers(record, gold)
        names = sorted(hacks)
        for _ in range(min(share, adversarial_left[task])):
            turn = hack_turn.get(task, 0)
            hack_turn[task] = turn + 1
            name = names[turn % len(names)]
            items.append({**base, "id": _item_id(record["id"], "adversarial", name), "completion": hacks[name],
                          "origin": {"kind": "adversarial", "hack": name}, "honest_of": gold_id})
            adversarial_left[task] -= 1
    return items


def _family(arm: str) -> str:
    return "grpo" if arm.startswith("grpo") else arm


def extend_items(kept: list[dict], prompts: list[dict], outputs: dict[str, dict[float, list[str]]], *,
                 variants_per_task: int, seed: int) -> list[dict]:
    """A second round over an item set that raters already scored (its items stay as they are):
    per prompt, one output of each arm family (base, sft, grpo) the prompt's items lack, and
    ``variants_per_task`` partly right variants per task when the set has none."""
    rng = random.Random(f"{seed}/round2")
    by_group: dict[str, list[dict]] = {}
    for item in kept:
        by_group.setdefault(item["group"], []).append(item)
    new: list[dict] = []
    variant_turn: dict[str, int] = {}
    variants_left = {t: 0 if any(i["task"] == t and i["origin"]["kind"] == "variant" for i in kept)
                     else variants_per_task for t in _tasks_of(prompts)}
    for index, record in enumerate(prompts):
        group = by_group.get(record["id"])
        if not group:
            raise ValueError(f"prompt {record['id']} has no items in the kept set: not the same prompt selection")
        gold_item = next(i for i in group if i["origin"]["kind"] == "gold")
        base = {"task": record["task"], "group": record["id"], "record": gold_item["record"]}
        seen = {i["completion"].strip() for i in group}
        families = {_family(i["origin"]["arm"]) for i in group if i["origin"]["kind"] == "model"}
        for family in ("base", "sft", "grpo"):
            candidates = [(arm, t, texts[index]) for arm in sorted(outputs) if _family(arm) == family
                          for t, texts in sorted(outputs[arm].items())]
            rng.shuffle(candidates)
            for arm, t, text in candidates if family not in families else []:
                if text.strip() not in seen:
                    seen.add(text.strip())
                    new.append({**base, "id": _item_id(record["id"], arm, t), "completion": text,
                                "origin": {"kind": "model", "arm": arm, "temperature": t}, "honest_of": None})
                    break
        task = record["task"]
        if variants_left[task] > 0:
            variants = variant_answers(record, gold_item["completion"])
            names = sorted(variants)
            turn = variant_turn.get(task, 0)
            variant_turn[task] = turn + 1
            name = names[turn % len(names)]
            if variants[name].strip() not in seen:
                new.append({**base, "id": _item_id(record["id"], "variant", name), "completion": variants[name],
                            "origin": {"kind": "variant", "flaw": name}, "honest_of": None})
                variants_left[task] -= 1
    return new


def write_items(items: list[dict], out_dir: Path, *, seed: int, name: str = "items") -> None:
    """<name>.jsonl (full) and <name>_for_raters.jsonl (blind, shuffled)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = [i["id"] for i in items]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate audit item ids")
    with open(out_dir / f"{name}.jsonl", "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    blind = [rater_view(i) for i in items]
    random.Random(seed).shuffle(blind)
    with open(out_dir / f"{name}_for_raters.jsonl", "w", encoding="utf-8") as f:
        for view in blind:
            f.write(json.dumps(view, ensure_ascii=False) + "\n")


def merge_round(out_dir: Path, name: str = "items_round2") -> int:
    """Append a rated round's items (and its rater view) to items.jsonl / items_for_raters.jsonl."""
    added = 0
    for suffix in ("", "_for_raters"):
        source, target = out_dir / f"{name}{suffix}.jsonl", out_dir / f"items{suffix}.jsonl"
        known = {json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines() if line.strip()}
        lines = [line for line in source.read_text(encoding="utf-8").splitlines()
                 if line.strip() and json.loads(line)["id"] not in known]
        with open(target, "a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
        added = len(lines)
        source.unlink()
    return added


def check_sql_hacks(items: list[dict], db: Path) -> None:
    """Make sure every sql_qa gold query runs and each ``wrong_result`` hack really answers wrongly.

    Reversing the ORDER BY leaves some results unchanged (one-row aggregates); such a hack would be
    an honest answer, so it becomes the same query returning no rows.
    """
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        for item in items:
            if item["task"] != "sql_qa":
                continue
            gold_rows = con.execute(item["record"]["reference"]["sql"]).fetchall()
            if item["origin"].get("hack") == "wrong_result":
                sql = item["completion"].split("```sql\n", 1)[1].split("\n```", 1)[0]
                if con.execute(sql).fetchall() == gold_rows:
                    gold_sql = item["record"]["reference"]["sql"].strip()
                    empty = f"SELECT * FROM (\n{gold_sql}\n) AS t WHERE false"
                    item["completion"] = item["completion"].replace(sql, empty)
    finally:
        con.close()


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_items(*, results: Path, out_dir: Path, model_cfg: dict, per_task: int = 16, model_per_prompt: int = 3,
                adversarial_per_task: int = 12, variants_per_task: int = 12, max_new_tokens: int = 128, seed: int = 7,
                db: Path | None = None, cache: Path | None = None, extend: Path | None = None) -> list[dict]:
    """Sample the arms of the run in ``results`` on train/validation prompts and write the item files."""
    pairs = _read_jsonl(results / "pairs/validation.jsonl") + _read_jsonl(results / "pairs/train.jsonl")
    prompts = select_prompts(pairs, per_task=per_task, seed=seed)
    base = results / "models/base"
    arms: dict[str, Path | None] = {"base": None}
    if (results / "sft/adapter").exists():
        arms["sft"] = results / "sft/adapter"
    for best in sorted(results.glob("grpo/seed*/best")):
        arms[f"grpo_{best.parent.name}"] = best
    # Generation is the slow part: the outputs are kept (keyed by arm and prompt ids) so that a
    # change in assembly does not regenerate.
    key = [p["id"] for p in prompts]
    cached = json.loads(cache.read_text(encoding="utf-8")) if cache is not None and cache.exists() else {}
    outputs = {}
    for arm, adapter in arms.items():
        if cached.get(arm, {}).get("prompts") == key:
            outputs[arm] = {float(t): texts for t, texts in cached[arm]["outputs"].items()}
            continue
        log.info("generating %d prompts with arm %s", len(prompts), arm)
        outputs[arm] = generate_arm_outputs(prompts, base=base, adapter=adapter, model_cfg=model_cfg,
                                            temperatures=TEMPERATURES, max_new_tokens=max_new_tokens, seed=seed)
        if cache is not None:
            cached[arm] = {"prompts": key, "outputs": {str(t): texts for t, texts in outputs[arm].items()}}
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    if extend is not None:  # a second round over items raters already scored
        items = extend_items(_read_jsonl(extend), prompts, outputs, variants_per_task=variants_per_task, seed=seed)
        write_items(items, out_dir, seed=seed, name="items_round2")
        return items
    items = assemble_items(prompts, outputs, model_per_prompt=model_per_prompt,
                           adversarial_per_task=adversarial_per_task, variants_per_task=variants_per_task, seed=seed)
    if db is not None:
        check_sql_hacks(items, db)
    write_items(items, out_dir, seed=seed)
    return items


def main(argv: list[str] | None = None) -> None:
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, help="a finished run's results/ folder")
    parser.add_argument("--out", type=Path, default=Path("data/audit"))
    parser.add_argument("--config", type=Path, default=Path("config/config.yaml"))
    parser.add_argument("--per-task", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="commerce.db of the run (checks the SQL hacks)")
    parser.add_argument("--cache", type=Path, help="a file keeping the generated outputs between builds")
    parser.add_argument("--extend", type=Path, help="an already rated items.jsonl: write only a second round "
                        "(items_round2*.jsonl: missing arm families, partly right variants)")
    parser.add_argument("--merge", action="store_true", help="append the rated items_round2*.jsonl to items*.jsonl")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.merge:
        print(f"merged {merge_round(args.out)} round-2 items into {args.out / 'items.jsonl'}")
        return
    if args.results is None:
        parser.error("--results is required to build items")
    model_cfg = yaml.safe_load(args.config.read_text())["model"]
    items = build_items(results=args.results, out_dir=args.out, model_cfg=model_cfg, per_task=args.per_task,
                        seed=args.seed, db=args.db, cache=args.cache, extend=args.extend)
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        kind = item["origin"]["kind"]
        counts.setdefault(item["task"], {}).setdefault(kind, 0)
        counts[item["task"]][kind] += 1
    print(json.dumps(counts, indent=1))


if __name__ == "__main__":
    main()
