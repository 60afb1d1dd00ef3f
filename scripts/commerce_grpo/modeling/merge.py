"""Merge a LoRA adapter into its base for inference (no adapter-switching overhead at inference)."""
from __future__ import annotations

import logging
from pathlib import Path

from commerce_grpo.modeling.backends import load_model

log = logging.getLogger(__name__)


def merge_adapter(*, base, adapter, output, model: dict) -> Path:
    """Write base + adapter as one plain transformers model (and its tokenizer) to ``output``.

    Always merges through transformers + peft in full precision: folding LoRA weights into a
    4-bit NF4 base would round them away.
    """
    full_precision = {**model, "backend": "hf", "load_in_4bit": False}
    peft_model, tokenizer = load_model(base, adapter=adapter, model=full_precision)
    merged = peft_model.merge_and_unload()
    output = Path(output)
    merged.save_pretrained(output)
    tokenizer.save_pretrained(output)
    log.info("merged %s into %s → %s", adapter, base, output)
    return output
