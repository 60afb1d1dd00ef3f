"""The `base_model` rule's artifact: results/models/base/ and its base.json.

base.json says what the folder stands for, so every later rule loads the base the same way:
``{"embedded": true, "id": "embedded-tiny", ...}`` (weights and tokenizer in the folder) or
``{"embedded": false, "id": "<hub id or local path>"}`` (nothing else in the folder).

This module imports nothing heavy: ``rules/common.smk`` reads ``EMBEDDED_ID`` and
``offline_environment`` from it at every Snakemake start.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

# The `model.id` that selects the embedded model (config.yaml documents it).
EMBEDDED_ID = "embedded-tiny"
BASE_JSON = "base.json"


def offline_environment(model_id: str) -> dict:
    """Environment variables every job of a run on ``model_id`` needs: the embedded model never
    touches a model hub (nothing may be downloaded at run time), so its runs are hub-offline.

    huggingface_hub reads ``HF_HUB_OFFLINE`` once, when it is imported, so the variable must be
    in the job's environment before the job starts: ``rules/common.smk`` sets it in the
    Snakemake process, whose jobs inherit it. Setting it inside a job would come too late.
    """
    return {"HF_HUB_OFFLINE": "1"} if model_id == EMBEDDED_ID else {}


def build_base_model(out_dir, *, inputs: dict, model: dict) -> dict:
    """Build the embedded tiny model into ``out_dir``, or record the hub id / local path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if model["id"] == EMBEDDED_ID:
        missing = {"db", "train"} - set(inputs)
        if missing:
            raise ValueError(f"base_model: the embedded model needs inputs {sorted(missing)} (got {sorted(inputs)})")
        # Imported here: building the tiny model pulls in tokenizers/duckdb training code.
        from commerce_grpo.modeling.tiny_model import build_tiny_base

        info = {"embedded": True, "id": EMBEDDED_ID,
                **build_tiny_base(out_dir, db=inputs["db"], train=inputs["train"], model_cfg=model)}
    else:
        info = {"embedded": False, "id": model["id"]}
    (out_dir / BASE_JSON).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    log.info("base model: %s", info)
    return info


def read_base(base) -> tuple[dict, str]:
    """(base.json contents, what from_pretrained should load: the folder or the hub id/path)."""
    path = Path(base) / BASE_JSON
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        source = str(Path(base)) if info["embedded"] else info["id"]
    except (OSError, json.JSONDecodeError, KeyError) as error:
        raise ValueError(f"{path}: not a base-model record ({error}); rebuild it with the base_model rule") from error
    return info, source
