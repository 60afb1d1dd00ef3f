"""Models: the base-model artifact, backend selection (auto | hf | unsloth) and LoRA.

GPU-only libraries (unsloth, bitsandbytes) are imported inside the backend that needs them,
never at import time, so the CPU environment never needs them installed.
"""
from commerce_grpo.modeling.backends import attach_lora, load_model, resolve_backend
from commerce_grpo.modeling.base import build_base_model, read_base

__all__ = ["attach_lora", "build_base_model", "load_model", "read_base", "resolve_backend"]
