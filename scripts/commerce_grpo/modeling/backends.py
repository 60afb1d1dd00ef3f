"""Backend selection and loading: Unsloth (4-bit NF4, GPU) or transformers + peft.

``auto`` picks Unsloth when CUDA is present and unsloth is installed, else transformers + peft (fp32
on CPU, bf16 on GPU). Both return standard PEFT models whose adapters ``PeftModel.from_pretrained``
loads. unsloth and bitsandbytes are imported only when the backend needs them: unsloth refuses to
import without a GPU and its install downgrades transformers/trl (envs/gpu.yaml). When and where
unsloth is imported relative to TRL is one rule, stated in :mod:`commerce_grpo.unsloth_first`.

On the unsloth backend the model goes through Unsloth's own API at each point where it differs
from plain peft, so Unsloth's LoRA setup (fast LoRA kernels, its gradient checkpointing) applies:
``get_peft_model`` for a fresh LoRA, ``patch_peft_model`` after loading a saved adapter (the
sequence of Unsloth's own loader), and ``for_inference``/``for_training`` around generation
(:func:`generation_mode`).
"""
from __future__ import annotations

import contextlib
import logging

import torch
from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, AutoTokenizer

from commerce_grpo.modeling.base import read_base
from commerce_grpo.unsloth_first import BACKENDS, import_backend_first, resolve_backend

log = logging.getLogger(__name__)

__all__ = ["BACKENDS", "attach_lora", "generation_mode", "load_model", "lora_config", "resolve_backend"]

# Unsloth 2026.10 accepts "all-linear" (it hands the string to peft), but its fast LoRA kernels are
# matched against module names: the explicit list is what Unsloth optimises. For Qwen2 both name
# the same seven projections.
QWEN_LINEAR_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Unsloth's checkpointing mode ("unsloth" = its offloaded variant), set on every LoRA it patches.
UNSLOTH_CHECKPOINTING = "unsloth"
# Which backend loaded a model: generation_mode() needs it, and the trainer hands back the object.
BACKEND_ATTR = "commerce_grpo_backend"


def load_model(base, *, adapter=None, model: dict, trainable: bool = False):
    """(model, tokenizer) for the base in ``base`` (results/models/base/), plus ``adapter`` if given.

    ``trainable`` leaves the adapter's LoRA weights trainable (GRPO continuing from SFT); without
    an adapter the base model comes back bare and :func:`attach_lora` adds a fresh one.
    """
    _, source = read_base(base)
    backend = import_backend_first(model)
    loader = _load_unsloth if backend == "unsloth" else _load_hf
    base_model, tokenizer = loader(source, model)
    _prepare_tokenizer(tokenizer)
    if trainable and backend == "hf" and model["load_in_4bit"]:
        base_model = prepare_model_for_kbit_training(base_model, use_gradient_checkpointing=False)
    if adapter is not None:
        base_model = _load_adapter(base_model, adapter, backend=backend, trainable=trainable)
    if not trainable:
        _inference(base_model, backend)
    setattr(base_model, BACKEND_ATTR, backend)
    log.info("loaded %s with backend %s%s", source, backend, f" + adapter {adapter}" if adapter else "")
    return base_model, tokenizer


def attach_lora(base_model, *, lora: dict, model: dict, seed: int = 0):
    """A fresh trainable LoRA (``lora`` config section) on a bare base model."""
    if import_backend_first(model) == "unsloth":
        from unsloth import FastLanguageModel  # GPU only

        targets = lora["target_modules"]
        peft_model = FastLanguageModel.get_peft_model(
            base_model,
            r=lora["r"],
            lora_alpha=lora["alpha"],
            lora_dropout=lora["dropout"],
            target_modules=QWEN_LINEAR_MODULES if targets == "all-linear" else list(targets),
            modules_to_save=list(lora["modules_to_save"]) or None,
            bias="none",
            use_gradient_checkpointing=UNSLOTH_CHECKPOINTING,
            random_state=seed,
        )
        setattr(peft_model, BACKEND_ATTR, "unsloth")
        return peft_model
    torch.manual_seed(seed)
    peft_model = get_peft_model(base_model, lora_config(lora))
    setattr(peft_model, BACKEND_ATTR, "hf")
    return peft_model


def lora_config(lora: dict) -> LoraConfig:
    targets = lora["target_modules"]
    return LoraConfig(
        r=lora["r"],
        lora_alpha=lora["alpha"],
        lora_dropout=lora["dropout"],
        target_modules=targets if isinstance(targets, str) else list(targets),
        modules_to_save=list(lora["modules_to_save"]) or None,
        bias="none",
        task_type="CAUSAL_LM",
    )


@contextlib.contextmanager
def generation_mode(model):
    """The model set up for generation inside the block, and back as it was after it.

    Unsloth: ``for_inference`` before and, when the model was training, ``for_training`` after
    with Unsloth's checkpointing mode. A plain ``model.eval()`` / ``model.train()`` is not enough
    there: Unsloth's generate switches checkpointing off and restores it only when the model was
    in training mode at the call, so eval() first left it off for the rest of the run (memory then
    grows with every GRPO step). transformers + peft: ``eval()`` / ``train()``.
    """
    was_training = model.training
    if getattr(model, BACKEND_ATTR, "hf") != "unsloth":
        model.eval()
        try:
            yield model
        finally:
            model.train(was_training)
        return
    from unsloth import FastLanguageModel  # loaded by this backend already

    FastLanguageModel.for_inference(model)
    try:
        yield model
    finally:
        if was_training:
            FastLanguageModel.for_training(
                model, use_gradient_checkpointing=getattr(model, "_unsloth_gradient_checkpointing",
                                                          UNSLOTH_CHECKPOINTING))


def _load_adapter(base_model, adapter, *, backend: str, trainable: bool):
    if backend != "unsloth":
        return PeftModel.from_pretrained(base_model, str(adapter), is_trainable=trainable)
    from unsloth import FastLanguageModel  # GPU only

    # Unsloth's own adapter loading (FastLanguageModel.from_pretrained on an adapter folder) reads
    # the base from adapter_config.json, a path valid only where the adapter was trained; this is
    # its sequence on the base we already loaded: peft loads the weights, patch_peft_model applies
    # Unsloth's LoRA kernels and checkpointing.
    peft_model = PeftModel.from_pretrained(base_model, str(adapter), is_trainable=True)
    peft_model = FastLanguageModel.patch_peft_model(peft_model, use_gradient_checkpointing=UNSLOTH_CHECKPOINTING)
    if not trainable:
        peft_model.requires_grad_(False)  # the LoRA weights and any modules_to_save copies
    return peft_model


def _inference(model, backend: str) -> None:
    if backend == "unsloth":
        from unsloth import FastLanguageModel  # GPU only

        FastLanguageModel.for_inference(model)
    else:
        model.eval()


def bnb_4bit_config():
    """NF4 as Unsloth quantizes (double quantization, bf16 compute), so both backends agree."""
    from transformers import BitsAndBytesConfig  # needs bitsandbytes, the `gpu` extra

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=torch.bfloat16)


def _load_hf(source: str, model: dict):
    kwargs = {"dtype": torch.bfloat16 if torch.cuda.is_available() else torch.float32}
    if model["load_in_4bit"]:
        if not torch.cuda.is_available():
            raise RuntimeError(
                "model.load_in_4bit: QLoRA training through a 4-bit model fails on CPU (bitsandbytes 0.50); "
                "set load_in_4bit: false here, or run on a GPU"
            )
        kwargs["quantization_config"] = bnb_4bit_config()
        kwargs["device_map"] = {"": 0}
    elif torch.cuda.is_available():
        kwargs["device_map"] = {"": 0}
    return AutoModelForCausalLM.from_pretrained(source, **kwargs), AutoTokenizer.from_pretrained(source)


def _load_unsloth(source: str, model: dict):
    from unsloth import FastLanguageModel  # GPU only; see commerce_grpo.unsloth_first

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
