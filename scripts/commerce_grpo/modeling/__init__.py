"""Models: the base-model artifact, backend selection (auto | hf | unsloth), LoRA, and the
embedded tiny model.

The names below load on first use (PEP 562): ``rules/common.smk`` imports
``commerce_grpo.modeling.base`` for the embedded model's id at every Snakemake start, and that
must not pay for importing torch and transformers (seconds) on a dry run. GPU-only libraries
(unsloth, bitsandbytes) are imported inside the backend that needs them, never at import time,
so the CPU environment never needs them installed.
"""
from importlib import import_module

_EXPORTS = {
    "attach_lora": "backends",
    "load_model": "backends",
    "resolve_backend": "backends",
    "build_base_model": "base",
    "read_base": "base",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
