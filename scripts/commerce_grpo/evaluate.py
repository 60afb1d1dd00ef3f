"""The `evaluate` rule: one arm's completions and rewards on the stratified eval prompts.

Every arm (base, sft, grpo_seed{N}) gets the same prompts and the same decoding from the
``evaluate`` config section (the study evaluated at temperature 0.1 with a fixed seed), so the
paired test in the report compares models, not decoding. The files' layout is
``commerce_grpo.eval_files`` (its readers check what this writes).
"""
from __future__ import annotations

import json
import logging
import time

from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.files import write_atomic, write_jsonl
from commerce_grpo.generation import generate
from commerce_grpo.modeling import load_model, resolve_backend
from commerce_grpo.rewards import score

log = logging.getLogger(__name__)

DECODING_KEYS = ("max_new_tokens", "temperature", "top_p", "top_k", "seed", "batch_size")


def evaluate_arm(*, eval, base, db, adapter=None, records, meta, arm, model, rewards, decoding) -> list[dict]:
    """Generate for every eval prompt, score with ``rewards.score``, write one eval record per prompt
    to ``records`` and the run's device, backend, decoding and timing to ``meta`` (both the rule's
    declared outputs, passed by name)."""
    missing = [key for key in DECODING_KEYS if key not in decoding]
    if missing:
        raise ValueError(f"evaluate: decoding config lacks {missing}")
    pairs = read_pairs(eval)
    lm, tokenizer = load_model(base, adapter=adapter, model=model)
    started = time.perf_counter()
    completions = generate(lm, tokenizer, [p["prompt"] for p in pairs],
                           **{key: decoding[key] for key in DECODING_KEYS})
    seconds = time.perf_counter() - started
    rows = []
    for pair, completion in zip(pairs, completions, strict=True):
        reward = score(pair, completion, db=str(db) if db else None, config=rewards)
        rows.append({"id": pair["id"], "task": pair["task"], "arm": arm, "completion": completion,
                     "reward": reward.total, "components": dict(reward.components)})
    write_jsonl(records, rows)
    info = {
        "arm": arm, "adapter": str(adapter) if adapter else None, "prompts": len(pairs),
        "backend": resolve_backend(model["backend"]), "device": str(next(lm.parameters()).device),
        "decoding": {key: decoding[key] for key in DECODING_KEYS},
        "generation_seconds": round(seconds, 3), "prompts_per_second": round(len(pairs) / max(seconds, 1e-9), 2),
    }
    write_atomic(meta, json.dumps(info, indent=2) + "\n")
    mean = sum(r["reward"] for r in rows) / len(rows)
    log.info("%s: %d prompts, mean reward %.3f, %.1f s generation", arm, len(rows), mean, seconds)
    return rows

