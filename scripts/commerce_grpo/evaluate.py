"""The `evaluate` rule: one arm's completions and rewards on the stratified eval prompts.

Every arm (base, sft, grpo_seed{N}) gets the same prompts and the same decoding from the
``evaluate`` config section (the study evaluated one sample at temperature 0.1 with a fixed seed),
so the paired test in the report compares models, not decoding. Each prompt is answered
``samples_per_prompt`` (k) times and scored as the mean of its k rewards, so one lucky or unlucky
draw at the eval temperature does not decide a prompt. Each sample is also scored against another
eval prompt of the same kind (``commerce_grpo.swaps``: a fixed derangement seeded by
``evaluate.seed``): the report's input sensitivity, whether a gain reads the prompt's specifics.
The files' layout is ``commerce_grpo.eval_files`` (its readers check what this writes).
"""
from __future__ import annotations

import json
import logging
import time

from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.eval_files import eval_record
from commerce_grpo.files import write_atomic, write_jsonl
from commerce_grpo.generation import generate
from commerce_grpo.modeling import load_model, resolve_backend
from commerce_grpo.rewards import score
from commerce_grpo.swaps import swap_partners

log = logging.getLogger(__name__)

DECODING_KEYS = ("max_new_tokens", "temperature", "top_p", "top_k", "seed", "batch_size")
SAMPLES_KEY = "samples_per_prompt"


def evaluate_arm(*, eval, base, db, adapter=None, records, meta, arm, model, rewards, decoding) -> list[dict]:
    """Generate k samples for every eval prompt, score each with ``rewards.score`` (against its own
    prompt and its swap partner's), write one eval record per prompt to ``records`` and the run's
    device, backend, decoding and timing to ``meta`` (both the rule's declared outputs, passed by name).

    ``decoding`` is the config's ``evaluate`` section; ``batch_size`` counts prompts, each
    generated with its k samples in the same batch.
    """
    missing = [key for key in (*DECODING_KEYS, SAMPLES_KEY) if key not in decoding]
    if missing:
        raise ValueError(f"evaluate: decoding config lacks {missing}")
    k = decoding[SAMPLES_KEY]
    if k > 1 and decoding["temperature"] == 0:
        raise ValueError(f"evaluate.samples_per_prompt: {k} greedy samples (evaluate.temperature: 0) are one "
                         "answer repeated; set samples_per_prompt: 1 or a temperature above 0")
    pairs = read_pairs(eval)
    by_id = {pair["id"]: pair for pair in pairs}
    partners = swap_partners(pairs, same_kind=True, seed=decoding["seed"])
    lm, tokenizer = load_model(base, adapter=adapter, model=model)
    started = time.perf_counter()
    completions = generate(lm, tokenizer, [pair["prompt"] for pair in pairs for _ in range(k)],
                           **{key: decoding[key] for key in DECODING_KEYS if key != "batch_size"},
                           batch_size=decoding["batch_size"] * k)
    generated = time.perf_counter()
    db = str(db) if db else None
    rows = []
    for index, pair in enumerate(pairs):
        texts = completions[index * k:(index + 1) * k]
        partner = partners.get(pair["id"])
        rows.append(eval_record(
            pair=pair, arm=arm, completions=texts,
            rewards=[score(pair, text, db=db, config=rewards) for text in texts], partner=partner,
            swap_rewards=None if partner is None
            else [score(by_id[partner], text, db=db, config=rewards).total for text in texts]))
    write_jsonl(records, rows)
    seconds = generated - started
    info = {
        "arm": arm, "adapter": str(adapter) if adapter else None, "prompts": len(pairs), "samples_per_prompt": k,
        "backend": resolve_backend(model["backend"]), "device": str(next(lm.parameters()).device),
        "decoding": {key: decoding[key] for key in DECODING_KEYS},
        "generation_seconds": round(seconds, 3), "scoring_seconds": round(time.perf_counter() - generated, 3),
        "prompts_per_second": round(len(pairs) / max(seconds, 1e-9), 2),
    }
    write_atomic(meta, json.dumps(info, indent=2) + "\n")
    mean = sum(r["reward"] for r in rows) / len(rows)
    log.info("%s: %d prompts × %d samples, mean reward %.3f, %.1f s generation", arm, len(rows), k, mean, seconds)
    return rows
