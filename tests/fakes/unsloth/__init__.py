"""A CPU stand-in for unsloth 2026.10.7 (envs/gpu.yaml), only where the real one needs CUDA.

The real ``import unsloth`` refuses to run without a GPU. This fake does on import what the real
one does to TRL (``unsloth/models/rl.py``): it rebinds ``trl.GRPOTrainer``/``GRPOConfig`` and
``trl.SFTTrainer``/``SFTConfig`` to Unsloth subclasses, at the three places the real one does, and
it records whether trl/transformers/peft were imported before it. ``FastLanguageModel`` runs the
real transformers/peft code on CPU and asserts every call against the parameter names of the real
methods (``SIGNATURES``). Its ``generate`` wrapper behaves as unsloth's ``unsloth_fast_generate``:
for_inference first, for_training after only if the model was training.

It is no kinder than the real package where a CPU test could tell (each rule cites the real
source, paths relative to site-packages):

- the Unsloth config classes carry Unsloth's own defaults (``CONFIG_DEFAULTS`` and the GRPO
  checks below), so a trainer argument the project leaves unset differs from TRL's;
- ``get_peft_model`` refuses ``modules_to_save`` other than ``lm_head``, ``embed_tokens`` and
  norms, refuses any of them beside a fast-inference engine, and upcasts only float16 copies;
- ``from_pretrained`` loads in ``dtype`` (None is bfloat16, as on any GPU Unsloth targets) and
  records ``load_in_4bit`` and ``fast_inference`` the way the real model shows them. It does not
  quantise (no bitsandbytes kernels on CPU) and its engine generates nothing: it is a record.

``tests/modeling/test_unsloth_backend.py`` checks ``SIGNATURES``, ``CONFIG_DEFAULTS`` and the
vLLM top-k rule against the installed unsloth's source (CI's GPU-pins environment).
Used through the ``fake_unsloth`` fixture (tests/modeling/unsloth_fixtures.py), which undoes the
TRL rebinding afterwards.
"""
import os
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

# The keyword defaults Unsloth writes into every generated Unsloth*Config.__init__ (a value the
# caller passes still wins): unsloth/models/rl.py:3238-3266; warmup_steps for transformers >= 5,
# rl.py:3267-3268. A key that is not a field of the TRL config is not applied (the real code
# substitutes it into the signature with a regex that then finds nothing).
CONFIG_DEFAULTS = {
    "output_dir": None, "logging_nan_inf_filter": False, "per_device_train_batch_size": 4,
    "gradient_accumulation_steps": 2, "weight_decay": 0.001, "seed": 3407, "optim": "adamw_8bit",
    "learning_rate": 5e-05, "per_device_eval_batch_size": 4, "eval_accumulation_steps": 2,
    "torch_empty_cache_steps": 250, "logging_steps": 1, "max_seq_length": None, "num_generations": 8,
    "vllm_mode": "colocate", "generation_kwargs": {}, "bf16": False, "fp16": False, "report_to": "none",
    "include_tokens_per_second": False, "include_num_input_tokens_seen": False, "auto_find_batch_size": False,
    "dataloader_pin_memory": True, "padding_free": None,
}
TRANSFORMERS_5_DEFAULTS = {"warmup_steps": 0.1}
# GRPO only, rl.py:3285-3298; SFT only, rl.py:3306.
GRPO_CONFIG_DEFAULTS = {"loss_type": None, "beta": None, "auto_find_batch_size": False,
                        "vllm_importance_sampling_correction": False, "router_aux_loss_coef": 0.0,
                        "mask_truncated_completions": None}
SFT_CONFIG_DEFAULTS = {"loss_type": "nll"}
# unsloth/models/rl_replacements.py:160-161, run in UnslothGRPOConfig.__init__ (exec'd below as is).
VLLM_TOP_K_RULE = "if use_vllm and (top_k is None or top_k == 0): top_k = -1\n"
# Modules Unsloth lets modules_to_save train besides norms: unsloth/models/_utils.py:9424.
EMBEDDING_MODULES = frozenset(("embed_tokens", "lm_head"))

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


def _with_unsloth_defaults(config_class, kwargs: dict, *stage_defaults: dict) -> dict:
    fields = config_class.__dataclass_fields__
    merged = dict(kwargs)
    for defaults in (CONFIG_DEFAULTS, TRANSFORMERS_5_DEFAULTS, *stage_defaults):
        for key, value in defaults.items():
            if key in fields and key not in kwargs:
                merged[key] = value
    return merged


def _grpo_checks(args: dict) -> dict:
    """The code Unsloth adds to UnslothGRPOConfig.__init__ that rewrites values, in its order."""
    # rl.py:3434-3455: loss_type None -> TRL's "dapo"; beta None -> 0.0 for dapo/dr_grpo, else 0.001.
    default_loss = args["loss_type"] is None
    if default_loss:
        args["loss_type"] = "dapo"
    if args["beta"] is None:
        args["beta"] = 0.0 if str(args["loss_type"]).lower() in ("dapo", "dr_grpo") else 0.001
    # rl.py:3461-3489: Dr. GRPO overrides reward scaling; an explicit dapo fills the DAPO options.
    loss = str(args["loss_type"]).lower()
    if loss == "dr_grpo":
        if args.get("scale_rewards") is None:
            args["scale_rewards"] = True
        elif args.get("scale_rewards") is True or args.get("scale_rewards") == "group":
            args["scale_rewards"] = False
    elif loss == "dapo" and not default_loss:
        if args["mask_truncated_completions"] is None:
            args["mask_truncated_completions"] = True
        if args.get("epsilon_high") is None:
            args["epsilon_high"] = 0.28
    if args["mask_truncated_completions"] is None:
        args["mask_truncated_completions"] = False
    # rl.py:3503-3516: the batch must hold whole groups, else it becomes one group.
    if args.get("steps_per_generation") is None and args.get("generation_batch_size") is None:
        per_device = args.get("per_device_train_batch_size", 4)
        if (args.get("gradient_accumulation_steps", 2) * int(os.environ.get("WORLD_SIZE", "1")) * per_device) \
                % args["num_generations"]:
            args["per_device_train_batch_size"] = args["num_generations"]
    scope = {"use_vllm": args.get("use_vllm", False), "top_k": args.get("top_k", 0)}
    exec(VLLM_TOP_K_RULE, {}, scope)
    args["top_k"] = scope["top_k"]
    return args


class UnslothGRPOConfig(trl.trainer.grpo_config.GRPOConfig):
    def __init__(self, **kwargs):
        args = _with_unsloth_defaults(trl.trainer.grpo_config.GRPOConfig, kwargs, GRPO_CONFIG_DEFAULTS)
        super().__init__(**_grpo_checks(args))


class UnslothSFTConfig(trl.trainer.sft_config.SFTConfig):
    def __init__(self, **kwargs):
        super().__init__(**_with_unsloth_defaults(trl.trainer.sft_config.SFTConfig, kwargs, SFT_CONFIG_DEFAULTS))


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


class FastInferenceEngine:
    """What ``fast_inference=True`` attaches as ``model.vllm_engine`` (unsloth/models/llama.py:3964),
    reduced to the settings it was built with; the real one is a vLLM ``LLM`` sharing the weights."""

    shared_weights = True

    def __init__(self, **settings):
        self.settings = settings


class FastLanguageModel:
    @staticmethod
    def from_pretrained(*args, **kwargs):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        bound = _bind("from_pretrained", args, kwargs)
        # unsloth/models/llama.py:3272-3278: None is bfloat16 where supported; only 16/32-bit floats.
        dtype = bound.get("dtype") or torch.bfloat16
        if dtype not in (torch.float16, torch.bfloat16, torch.float32):
            raise AssertionError(f"unsloth fake: dtype {dtype} is not float16, bfloat16 or float32")
        model = AutoModelForCausalLM.from_pretrained(bound["model_name"], dtype=dtype)
        tokenizer = AutoTokenizer.from_pretrained(bound["model_name"])
        if bound.get("load_in_4bit", True):  # the real default is True (loader.py)
            # What a bitsandbytes load shows (transformers' quantizer); the weights stay in dtype here.
            model.is_loaded_in_4bit = True
            model.quantization_method = "bitsandbytes"
        if bound.get("fast_inference"):
            engine = FastInferenceEngine(gpu_memory_utilization=bound.get("gpu_memory_utilization", 0.5),
                                         max_lora_rank=bound.get("max_lora_rank", 64),
                                         max_seq_length=bound.get("max_seq_length"))
            model.vllm_engine = engine  # llama.py:3964
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
        model = bound["model"]
        modules_to_save = bound.get("modules_to_save")
        for module in modules_to_save or ():
            # unsloth/models/llama.py:4632-4646: by leaf name, else every module the entry matches
            # must be a norm (llama.py:330-339, _norm_modules_to_save).
            if module.rsplit(".", 1)[-1] in EMBEDDING_MODULES:
                continue
            matched = [type(m).__name__ for key, m in model.named_modules(remove_duplicate=False)
                       if key.endswith(module)]
            if not (matched and all("Norm" in name for name in matched)):
                raise TypeError(f"Unsloth: Module = {module} is not allowed. Only 'lm_head', 'embed_tokens' and "
                                "normalization layers (e.g. 'input_layernorm', 'norm') are allowed. "
                                "To fully train other modules, load and call get_peft_model through FastModel.")
        if hasattr(model, "vllm_engine") and modules_to_save is not None:  # llama.py:4650-4659
            raise NotImplementedError(
                "Unsloth: Currently fast inference does not work with training embeddings or lm_head.")
        config = LoraConfig(r=bound.get("r", 16), lora_alpha=bound.get("lora_alpha", 16),
                            lora_dropout=bound.get("lora_dropout", 0.0), bias=bound.get("bias", "none"),
                            target_modules=bound.get("target_modules"), task_type="CAUSAL_LM",
                            modules_to_save=modules_to_save)
        torch.manual_seed(bound.get("random_state", 3407))
        peft_model = get_peft_model(model, config)
        for attribute in ("vllm_engine", "is_loaded_in_4bit"):  # patch_peft_fast_inference, _utils.py:7439
            if hasattr(model, attribute):
                setattr(peft_model, attribute, getattr(model, attribute))
        return FastLanguageModel._patch(peft_model, bound.get("use_gradient_checkpointing", "unsloth"))

    @staticmethod
    def patch_peft_model(*args, **kwargs):
        bound = _bind("patch_peft_model", args, kwargs)
        return FastLanguageModel._patch(bound["model"], bound.get("use_gradient_checkpointing", "unsloth"))

    @staticmethod
    def _patch(model, mode):
        from peft import PeftModelForCausalLM
        from peft.utils import ModulesToSaveWrapper

        if not isinstance(model, PeftModelForCausalLM):
            raise TypeError("Unsloth: Your model needs to call `.get_peft_model` first!")
        # unsloth_zoo/training_utils.py:398-452 (prepare_model_for_training, full_finetuning False):
        # LoRA weights train in float32, everything else is frozen at its dtype; then
        # unsloth/models/llama.py:305-327 (_unfreeze_modules_to_save) trains the modules_to_save
        # copies again, upcasting only float16 ones (bfloat16 copies stay bfloat16).
        for name, param in model.named_parameters():
            lora = ".lora_A." in name or ".lora_B." in name
            param.requires_grad_(lora)
            if lora and param.dtype != torch.float32:
                param.data = param.data.to(torch.float32)
        for module in model.modules():
            if isinstance(module, ModulesToSaveWrapper) and module.active_adapter in module.modules_to_save:
                trainable = module.modules_to_save[module.active_adapter]
                if any(p.dtype == torch.float16 for p in trainable.parameters()):
                    trainable.to(dtype=torch.float32)
                trainable.requires_grad_(True)
        model._unsloth_gradient_checkpointing = mode
        if mode:
            model.get_base_model().gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        else:  # training_utils.py:497-502
            for module in model.modules():
                if hasattr(module, "gradient_checkpointing"):
                    module.gradient_checkpointing = False
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
