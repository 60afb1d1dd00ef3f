"""Merge a LoRA adapter into its base for inference (no adapter-switching overhead at inference).

The merge is in fp32 on any machine, and its base weights are the ones the adapter was trained
and evaluated on: with ``model.load_in_4bit`` every linear layer bitsandbytes quantises holds the
NF4 round trip of the original weight (quantised as a 4-bit load quantises it, then dequantised),
otherwise the original weights. A QLoRA adapter learned its update against the NF4 weights, and
the evaluation scored NF4 + adapter; folded into the original weights it would make a model
nobody trained or scored, which differs from the evaluated one by the whole quantisation error.
The merged model's card records which (``base_weights``).
"""
from __future__ import annotations

import logging
from pathlib import Path

import torch

from commerce_grpo.modeling.backends import GPU_DTYPE, bnb_4bit_config, prepare_tokenizer
from commerce_grpo.modeling.base import read_base

log = logging.getLogger(__name__)

NF4_BASE = "nf4-dequantized"
ORIGINAL_BASE = "original"


def merge_adapter(*, base, adapter, output, model: dict) -> Path:
    """Write base + adapter as one plain fp32 transformers model, its tokenizer and a card to ``output``."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    info, source = read_base(base)
    base_model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
    base_weights = NF4_BASE if model["load_in_4bit"] else ORIGINAL_BASE
    if base_weights == NF4_BASE:
        nf4_round_trip(base_model)
    merged = PeftModel.from_pretrained(base_model, str(adapter)).merge_and_unload()
    output = Path(output)
    merged.save_pretrained(output)
    tokenizer = AutoTokenizer.from_pretrained(source)
    prepare_tokenizer(tokenizer)
    tokenizer.save_pretrained(output)
    (output / "README.md").write_text(merged_card(base_info=info, adapter=adapter, base_weights=base_weights),
                                      encoding="utf-8")
    log.info("merged %s into %s (%s base weights, fp32) → %s", adapter, base, base_weights, output)
    return output


def quantised_linear_names(model) -> list[str]:
    """The linear layers a bitsandbytes 4-bit load replaces (transformers' own rule: every
    ``nn.Linear`` but the output head and tied weights)."""
    from transformers.quantizers.base import get_keys_to_not_convert
    from transformers.quantizers.quantizers_utils import should_convert_module

    skip = get_keys_to_not_convert(model)
    return [name for name, module in model.named_modules()
            if type(module) is torch.nn.Linear and should_convert_module(name, skip)]


def nf4_round_trip(model) -> None:
    """Replace each quantised layer's weight by its NF4 round trip, in place: quantised from the
    dtype a 4-bit load holds it in (bf16) with the project's NF4 settings (``bnb_4bit_config``),
    on the GPU when there is one (the kernels a load uses), else bitsandbytes' CPU path."""
    from bitsandbytes.functional import dequantize_4bit, quantize_4bit  # the `gpu` extra

    settings = bnb_4bit_config()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name in quantised_linear_names(model):
            weight = modules[name].weight
            packed, state = quantize_4bit(weight.to(device=device, dtype=GPU_DTYPE),
                                          quant_type=settings.bnb_4bit_quant_type,
                                          compress_statistics=settings.bnb_4bit_use_double_quant)
            weight.copy_(dequantize_4bit(packed, state).to(device="cpu", dtype=torch.float32))


def merged_card(*, base_info: dict, adapter, base_weights: str) -> str:
    """The merged model's README.md: what was merged into what, in which precision, and why."""
    why = {
        NF4_BASE: "the adapter was trained and evaluated on the NF4-quantised base (model.load_in_4bit), so "
                  "its linear layers hold the NF4 round trip of the original weights (quantised as the 4-bit "
                  "load quantises them, dequantised to fp32): the merged model is the model that was evaluated. "
                  "Folding the adapter into the original weights instead would add the whole quantisation error "
                  "back without the adapter having seen it. Embeddings, norms and the output head, which a "
                  "4-bit load does not quantise, are the original weights.",
        ORIGINAL_BASE: "the adapter was trained on the unquantised base, so it is folded into the original weights.",
    }[base_weights]
    base_model = "" if base_info["embedded"] else f"base_model: {base_info['id']}\n"
    return f"""---
library_name: transformers
{base_model}base_weights: {base_weights}
merge_dtype: float32
tags: [grpo, lora, merged, commerce-grpo]
---

# commerce-grpo merged model

`{adapter}` folded into `{base_info['id']}` in float32 (`merge_and_unload`).

**Base weights: {base_weights}.** Why: {why}
"""
