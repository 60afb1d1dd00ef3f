"""Backend selection and loading: Unsloth (4-bit NF4, GPU) or transformers + peft.

``auto`` picks Unsloth when CUDA is present and unsloth imports, else transformers + peft (fp32 on
CPU, bf16 on GPU). Both return standard PEFT models whose adapters ``PeftModel.from_pretrained``
loads. unsloth and bitsandbytes are imported only inside the functions that need them: unsloth
refuses to import without a GPU and its install downgrades transformers/trl (DESIGN facts).
"""
from __future__ import annotations

import importlib.util
import logging

import torch
from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, AutoTokenizer

from commerce_grpo.modeling.base import read_base

log = logging.getLogger(__name__)

BACKENDS = ("auto", "hf", "unsloth")
# Unsloth needs module names; "all-linear" is a peft shorthand it does not expand.
QWEN_LINEAR_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def resolve_backend(backend: str) -> str:
    """The concrete backend for ``model.backend``; explains why when unsloth cannot be used."""
    if backend not in BACKENDS:
        raise ValueError(f"model.backend: {backend!r} is not one of {BACKENDS}")
    unsloth_ok = torch.cuda.is_available() and importlib.util.find_spec("unsloth") is not None
    if backend == "auto":
        return "unsloth" if unsloth_ok else "hf"
    if backend == "unsloth" and not unsloth_ok:
        raise RuntimeError(
            "model.backend: unsloth needs a CUDA GPU and the unsloth package (envs/gpu.yaml); "
            f"cuda available={torch.cuda.is_available()}, unsloth installed="
            f"{importlib.util.find_spec('unsloth') is not None}. Use backend: auto or hf on this machine."
        )
    return backend


def load_model(base, *, adapter=None, model: dict, trainable: bool = False):
    """(model, tokenizer) for the base in ``base`` (results/models/base/), plus ``adapter`` if given.

    ``trainable`` leaves the adapter's LoRA weights trainable (GRPO continuing from SFT); without
    an adapter the base model comes back bare and :func:`attach_lora` adds a fresh one.
    """
    _, source = read_base(base)
    backend = resolve_backend(model["backend"])
    loader = _load_unsloth if backend == "unsloth" else _load_hf
    base_model, tokenizer = loader(source, model)
    _prepare_tokenizer(tokenizer)
    if trainable and backend == "hf" and model["load_in_4bit"]:
        base_model = prepare_model_for_kbit_training(base_model, use_gradient_checkpointing=False)
    if adapter is not None:
        base_model = PeftModel.from_pretrained(base_model, str(adapter), is_trainable=trainable)
    if not trainable:
        base_model.eval()
    log.info("loaded %s with backend %s%s", source, backend, f" + adapter {adapter}" if adapter else "")
    return base_model, tokenizer


def attach_lora(base_model, *, lora: dict, model: dict, seed: int = 0):
    """A fresh trainable LoRA (``lora`` config section) on a bare base model."""
    if resolve_backend(model["backend"]) == "unsloth":
        from unsloth import FastLanguageModel  # GPU only

        targets = lora["target_modules"]
        return FastLanguageModel.get_peft_model(
            base_model,
            r=lora["r"],
            lora_alpha=lora["alpha"],
            lora_dropout=lora["dropout"],
            target_modules=QWEN_LINEAR_MODULES if targets == "all-linear" else list(targets),
            bias="none",
            use_gradient_checkpointing="unsloth",
            random_state=seed,
        )
    torch.manual_seed(seed)
    return get_peft_model(base_model, lora_config(lora))


def lora_config(lora: dict) -> LoraConfig:
    targets = lora["target_modules"]
    return LoraConfig(
        r=lora["r"],
        lora_alpha=lora["alpha"],
        lora_dropout=lora["dropout"],
        target_modules=targets if isinstance(targets, str) else list(targets),
        bias="none",
        task_type="CAUSAL_LM",
    )


def _load_hf(source: str, model: dict):
    kwargs = {"dtype": torch.bfloat16 if torch.cuda.is_available() else torch.float32}
    if model["load_in_4bit"]:
        if not torch.cuda.is_available():
            raise RuntimeError(
                "model.load_in_4bit: QLoRA training through a 4-bit model fails on CPU (DESIGN facts); "
                "set load_in_4bit: false here, or run on a GPU"
            )
        from transformers import BitsAndBytesConfig  # needs bitsandbytes, the `gpu` extra

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
        )
        kwargs["device_map"] = {"": 0}
    elif torch.cuda.is_available():
        kwargs["device_map"] = {"": 0}
    return AutoModelForCausalLM.from_pretrained(source, **kwargs), AutoTokenizer.from_pretrained(source)


def _load_unsloth(source: str, model: dict):
    from unsloth import FastLanguageModel  # GPU only; see the module docstring

    return FastLanguageModel.from_pretrained(
        model_name=source,
        max_seq_length=model["max_seq_length"],
        load_in_4bit=model["load_in_4bit"],
        dtype=None,
    )


def _prepare_tokenizer(tokenizer) -> None:
    """Left padding for batched generation; a pad token for models that ship none."""
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
