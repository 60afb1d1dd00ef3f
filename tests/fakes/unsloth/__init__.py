"""A CPU stand-in for unsloth 2026.10.7 (envs/gpu.yaml), only where the real one needs CUDA.

The real ``import unsloth`` refuses to run without a GPU. This fake does on import what the real
one does to TRL (``unsloth/models/rl.py``): it rebinds ``trl.GRPOTrainer``/``GRPOConfig`` and
``trl.SFTTrainer``/``SFTConfig`` to Unsloth subclasses, at the three places the real one does, and
it records whether trl/transformers/peft were imported before it. ``FastLanguageModel`` runs the
real transformers/peft code on CPU and asserts every call against the parameter names of the real
methods (``SIGNATURES``; ``tests/modeling/test_unsloth_backend.py`` checks those names against the
installed unsloth's source when it is installed). Its ``generate`` wrapper behaves as unsloth's
``unsloth_fast_generate``: for_inference first, for_training after only if the model was training.

Used through the ``fake_unsloth`` fixture (tests/modeling/unsloth_fixtures.py), which undoes the
TRL rebinding afterwards.
"""
import sys

import torch

PATCHED_BY_UNSLOTH = ("trl", "transformers", "peft")
imported_after = [name for name in PATCHED_BY_UNSLOTH if name in sys.modules]

import trl  # noqa: E402  (after the snapshot above, as the real unsloth does)
import trl.trainer  # noqa: E402
import trl.trainer.grpo_config  # noqa: E402
import trl.trainer.grpo_trainer  # noqa: E402
import trl.trainer.sft_config  # noqa: E402
import trl.trainer.sft_trainer  # noqa: E402

# Explicit parameter names (no *args/**kwargs) of the real methods, in order.
SIGNATURES = {
    # unsloth/models/loader.py, FastLanguageModel.from_pretrained
    "from_pretrained": [
        "model_name", "max_seq_length", "dtype", "load_in_4bit", "load_in_8bit", "load_in_16bit",
        "full_finetuning", "token", "device_map", "device_map_planner_kwargs", "rope_scaling", "fix_tokenizer",
        "trust_remote_code", "use_gradient_checkpointing", "resize_model_vocab", "revision",
        "use_exact_model_name", "offload_embedding", "float32_mixed_precision", "fast_inference",
        "gpu_memory_utilization", "float8_kv_cache", "random_state", "max_lora_rank", "disable_log_stats",
        "qat_scheme", "load_in_fp8", "unsloth_tiled_mlp", "text_only", "on_model_resolved",
    ],
    # unsloth/models/llama.py, FastLlamaModel.get_peft_model (FastLanguageModel forwards to it)
    "get_peft_model": [
        "model", "r", "target_modules", "lora_alpha", "lora_dropout", "bias", "layers_to_transform",
        "layers_pattern", "finetune_last_n_layers", "use_gradient_checkpointing", "random_state",
        "max_seq_length", "use_rslora", "modules_to_save", "init_lora_weights", "loftq_config",
        "temporary_location", "qat_scheme", "target_parameters", "ensure_weight_tying", "offload_layers",
        "checkpoint_skip_layers",
    ],
    # unsloth/models/llama.py, FastLlamaModel.patch_peft_model
    "patch_peft_model": ["model", "use_gradient_checkpointing"],
    # unsloth/models/loader.py, FastLanguageModel.for_inference / for_training
    "for_inference": ["model"],
    "for_training": ["model", "use_gradient_checkpointing"],
}
REQUIRED = {"from_pretrained": set(), "get_peft_model": {"model"}, "patch_peft_model": {"model"},
            "for_inference": {"model"}, "for_training": {"model"}}

calls: list[tuple[str, dict]] = []  # (method, bound arguments) in call order
trainers: list[type] = []  # classes of the trainers instantiated through the rebound names


def _bind(method: str, args: tuple, kwargs: dict) -> dict:
    names = SIGNATURES[method]
    if len(args) > len(names):
        raise TypeError(f"unsloth fake: {method} takes at most {len(names)} positional arguments")
    bound = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names:
            raise TypeError(f"unsloth fake: {method}() has no parameter {key!r} in unsloth 2026.10.7")
        if key in bound:
            raise TypeError(f"unsloth fake: {method}() got {key!r} twice")
        bound[key] = value
    missing = REQUIRED[method] - set(bound)
    if missing:
        raise TypeError(f"unsloth fake: {method}() lacks {sorted(missing)}")
    calls.append((method, bound))
    return bound


class UnslothGRPOConfig(trl.trainer.grpo_config.GRPOConfig):
    pass


class UnslothSFTConfig(trl.trainer.sft_config.SFTConfig):
    pass


class UnslothGRPOTrainer(trl.trainer.grpo_trainer.GRPOTrainer):
    def __init__(self, *args, **kwargs):
        trainers.append(type(self))
        super().__init__(*args, **kwargs)


class UnslothSFTTrainer(trl.trainer.sft_trainer.SFTTrainer):
    def __init__(self, *args, **kwargs):
        trainers.append(type(self))
        super().__init__(*args, **kwargs)


PRISTINE = {}
for _name, _patched, _modules in (
    ("GRPOTrainer", UnslothGRPOTrainer, (trl, trl.trainer, trl.trainer.grpo_trainer)),
    ("GRPOConfig", UnslothGRPOConfig, (trl, trl.trainer, trl.trainer.grpo_trainer)),
    ("SFTTrainer", UnslothSFTTrainer, (trl, trl.trainer, trl.trainer.sft_trainer)),
    ("SFTConfig", UnslothSFTConfig, (trl, trl.trainer, trl.trainer.sft_trainer)),
):
    for _module in _modules:
        PRISTINE[(_module, _name)] = getattr(_module, _name)
        setattr(_module, _name, _patched)


def restore_trl() -> None:
    """Undo the rebinding (the fixture calls this; the real unsloth never does)."""
    for (module, name), value in PRISTINE.items():
        setattr(module, name, value)


def _checkpointing_flags(model) -> list[bool]:
    return [m.gradient_checkpointing for m in model.modules() if hasattr(m, "gradient_checkpointing")]


class FastLanguageModel:
    @staticmethod
    def from_pretrained(*args, **kwargs):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        bound = _bind("from_pretrained", args, kwargs)
        model = AutoModelForCausalLM.from_pretrained(bound["model_name"], dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(bound["model_name"])
        original = model.generate

        def fast_generate(*g_args, **g_kwargs):  # unsloth/models/llama.py unsloth_fast_generate
            restore = model.training
            mode = next((v for v in _checkpointing_flags(model) if v), False)
            FastLanguageModel.for_inference(model)
            output = original(*g_args, **g_kwargs)
            if restore:
                FastLanguageModel.for_training(model, use_gradient_checkpointing=mode)
            return output

        model.generate = fast_generate
        return model, tokenizer

    @staticmethod
    def get_peft_model(*args, **kwargs):
        from peft import LoraConfig, get_peft_model

        bound = _bind("get_peft_model", args, kwargs)
        config = LoraConfig(r=bound.get("r", 16), lora_alpha=bound.get("lora_alpha", 16),
                            lora_dropout=bound.get("lora_dropout", 0.0), bias=bound.get("bias", "none"),
                            target_modules=bound.get("target_modules"), task_type="CAUSAL_LM",
                            modules_to_save=bound.get("modules_to_save"))
        torch.manual_seed(bound.get("random_state", 3407))
        peft_model = get_peft_model(bound["model"], config)
        return FastLanguageModel._patch(peft_model, bound.get("use_gradient_checkpointing", "unsloth"))

    @staticmethod
    def patch_peft_model(*args, **kwargs):
        bound = _bind("patch_peft_model", args, kwargs)
        return FastLanguageModel._patch(bound["model"], bound.get("use_gradient_checkpointing", "unsloth"))

    @staticmethod
    def _patch(model, mode):
        from peft import PeftModelForCausalLM

        if not isinstance(model, PeftModelForCausalLM):
            raise TypeError("Unsloth: Your model needs to call `.get_peft_model` first!")
        model._unsloth_gradient_checkpointing = mode
        if mode:
            model.get_base_model().gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        return model

    @staticmethod
    def for_inference(*args, **kwargs):
        model = _bind("for_inference", args, kwargs)["model"]
        for module in model.modules():
            if hasattr(module, "gradient_checkpointing"):
                module.gradient_checkpointing = False
        model.train(False)
        return model

    @staticmethod
    def for_training(*args, **kwargs):
        bound = _bind("for_training", args, kwargs)
        model = bound["model"]
        mode = bound.get("use_gradient_checkpointing")
        if mode is None:
            mode = getattr(model, "_unsloth_gradient_checkpointing", True)
        for module in model.modules():
            if hasattr(module, "gradient_checkpointing"):
                module.gradient_checkpointing = bool(mode)
        model.train(True)
        return model
