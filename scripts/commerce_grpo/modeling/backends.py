"""Backend selection and loading: Unsloth (4-bit NF4, GPU) or transformers + peft.

``auto`` picks Unsloth when CUDA is present and unsloth is installed, else transformers + peft.
Both load in the same dtype (:func:`compute_dtype`: fp32 on CPU, bf16 on GPU), set gradient
checkpointing from ``model.gradient_checkpointing``, keep the trainable copies of
``lora.modules_to_save`` in fp32 (:func:`extra_modules_in_fp32`), and return standard PEFT models
whose adapters ``PeftModel.from_pretrained`` loads. unsloth and bitsandbytes are imported only when
the backend needs them: unsloth refuses to import without a GPU and its install downgrades
transformers/trl (envs/gpu.yaml). When and where unsloth is imported relative to TRL is one rule,
stated in :mod:`commerce_grpo.unsloth_first`.

On the unsloth backend the model goes through Unsloth's own API at each point where it differs
from plain peft, so Unsloth's LoRA setup (fast LoRA kernels, its gradient checkpointing) applies:
``get_peft_model`` for a fresh LoRA, ``patch_peft_model`` after loading a saved adapter (the
sequence of Unsloth's own loader), and ``for_inference``/``for_training`` around generation
(:func:`generation_mode`).
"""
from __future__ import annotations

import contextlib
import functools
import logging

import torch
from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, AutoTokenizer

from commerce_grpo.modeling.base import read_base
from commerce_grpo.unsloth_first import BACKENDS, import_backend_first, resolve_backend

log = logging.getLogger(__name__)

__all__ = ["BACKENDS", "attach_lora", "compute_dtype", "generation_mode", "load_model", "lora_config",
           "resolve_backend"]

# Unsloth 2026.10 accepts "all-linear" (it hands the string to peft), but its fast LoRA kernels are
# matched against module names: the explicit list is what Unsloth optimises. For Qwen2 both name
# the same seven projections.
QWEN_LINEAR_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Unsloth's checkpointing mode when model.gradient_checkpointing is on ("unsloth" = its offloaded variant).
UNSLOTH_CHECKPOINTING = "unsloth"
# The dtype both backends load in on a GPU (and the one a 4-bit load quantises from).
GPU_DTYPE = torch.bfloat16
# Which backend loaded a model: generation_mode() needs it, and the trainer hands back the object.
BACKEND_ATTR = "commerce_grpo_backend"


def compute_dtype() -> torch.dtype:
    """The dtype both backends load the (unquantised) weights in: bf16 on a GPU, fp32 on CPU."""
    return GPU_DTYPE if torch.cuda.is_available() else torch.float32


def load_model(base, *, adapter=None, model: dict, trainable: bool = False, vllm_engine: dict | None = None):
    """(model, tokenizer) for the base in ``base`` (results/models/base/), plus ``adapter`` if given.

    ``trainable`` leaves the adapter's LoRA weights trainable (GRPO continuing from SFT); without
    an adapter the base model comes back bare and :func:`attach_lora` adds a fresh one.
    ``vllm_engine`` (``{"gpu_memory_utilization", "max_lora_rank"}``, unsloth backend only) starts
    Unsloth's own vLLM engine beside the model (``fast_inference``), which GRPO's rollouts then use
    with the live LoRA weights (docs/gpu.md, "Rollout paths").
    """
    _, source = read_base(base)
    backend = import_backend_first(model)
    if vllm_engine is not None and backend != "unsloth":
        raise ValueError(f"a vLLM engine at load is Unsloth's (fast_inference); model.backend resolved to {backend}")
    if backend == "unsloth":
        base_model, tokenizer = _load_unsloth(source, model, vllm_engine)
    else:
        base_model, tokenizer = _load_hf(source, model)
    prepare_tokenizer(tokenizer)
    if trainable and backend == "hf":
        if model["load_in_4bit"]:
            base_model = prepare_model_for_kbit_training(base_model, use_gradient_checkpointing=False)
        if model["gradient_checkpointing"]:
            base_model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if adapter is not None:
        base_model = _load_adapter(base_model, adapter, backend=backend, trainable=trainable, model=model)
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
            use_gradient_checkpointing=unsloth_checkpointing(model),
            random_state=seed,
        )
        setattr(peft_model, BACKEND_ATTR, "unsloth")
    else:
        torch.manual_seed(seed)
        peft_model = get_peft_model(base_model, lora_config(lora))
        setattr(peft_model, BACKEND_ATTR, "hf")
    extra_modules_in_fp32(peft_model)
    return peft_model


def unsloth_checkpointing(model: dict):
    """``model.gradient_checkpointing`` as Unsloth's ``use_gradient_checkpointing``."""
    return UNSLOTH_CHECKPOINTING if model["gradient_checkpointing"] else False


def extra_modules_in_fp32(peft_model) -> None:
    """Keep the trainable copies of ``lora.modules_to_save`` in fp32, their outputs in the model's dtype.

    In bf16 an update of ~2e-4 to a weight near 1.0 (a norm's gain) rounds away: bf16 resolves
    2^-7 there, so a bf16 copy never trains. Neither library upcasts it (PEFT upcasts LoRA weights
    only, Unsloth float16 copies only: docs/gpu.md). The output is cast back to the dtype the
    original module computed in, so the next bf16 layer gets what it expects; a no-op in fp32.
    """
    from peft.utils import ModulesToSaveWrapper

    for wrapper in peft_model.modules():
        if not isinstance(wrapper, ModulesToSaveWrapper):
            continue
        for trainable in wrapper.modules_to_save.values():
            dtypes = {p.dtype for p in trainable.parameters()}
            if dtypes and dtypes != {torch.float32}:
                trainable.to(torch.float32)
                trainable.register_forward_hook(functools.partial(_output_as, dtype=dtypes.pop()))


def _output_as(module, args, output, *, dtype):
    return output.to(dtype) if isinstance(output, torch.Tensor) and output.is_floating_point() else output


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
                model, use_gradient_checkpointing=getattr(model, "_unsloth_gradient_checkpointing", False))


def _load_adapter(base_model, adapter, *, backend: str, trainable: bool, model: dict):
    if backend != "unsloth":
        peft_model = PeftModel.from_pretrained(base_model, str(adapter), is_trainable=trainable)
    else:
        from unsloth import FastLanguageModel  # GPU only

        # Unsloth's own adapter loading (FastLanguageModel.from_pretrained on an adapter folder) reads
        # the base from adapter_config.json, a path valid only where the adapter was trained; this is
        # its sequence on the base we already loaded: peft loads the weights, patch_peft_model applies
        # Unsloth's LoRA kernels and checkpointing.
        peft_model = PeftModel.from_pretrained(base_model, str(adapter), is_trainable=True)
        peft_model = FastLanguageModel.patch_peft_model(
            peft_model, use_gradient_checkpointing=unsloth_checkpointing(model) if trainable else False)
        if not trainable:
            peft_model.requires_grad_(False)  # the LoRA weights and any modules_to_save copies
    if trainable:
        extra_modules_in_fp32(peft_model)
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
                              bnb_4bit_compute_dtype=GPU_DTYPE)


def _load_hf(source: str, model: dict):
    kwargs = {"dtype": compute_dtype()}
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


def _load_unsloth(source: str, model: dict, vllm_engine: dict | None):
    from unsloth import FastLanguageModel  # GPU only; see commerce_grpo.unsloth_first

    engine = {} if vllm_engine is None else {"fast_inference": True, **vllm_engine}
    return FastLanguageModel.from_pretrained(
        model_name=source,
        max_seq_length=model["max_seq_length"],
        load_in_4bit=model["load_in_4bit"],
        dtype=compute_dtype(),
        **engine,
    )


def prepare_tokenizer(tokenizer) -> None:
    """Left padding for batched generation; a pad token for models that ship none."""
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
