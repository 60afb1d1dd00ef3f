"""The `base_model` rule's artifact: results/models/base/ and its base.json.

base.json says what the folder stands for, so every later rule loads the base the same way, from
disk and never from a model hub:
``{"embedded": true, "id": "embedded-tiny", ...}`` (weights and tokenizer in the folder), or
``{"embedded": false, "id": <model.id>, "source": "local"|"hub", "path": <model folder>}`` with
the hub's ``revision`` (the commit downloaded) for a hub id. A hub id is downloaded here, into
``model.cache_dir``: a wrong id fails this rule in seconds naming ``model.id``, instead of a later
rule after a minute of hub retries.

This module imports nothing heavy: ``rules/common.smk`` and ``config_checks`` read ``EMBEDDED_ID``,
``local_model_path`` and ``offline_environment`` from it at every Snakemake start.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from commerce_grpo.files import write_atomic

log = logging.getLogger(__name__)

# The `model.id` that selects the embedded model (config.yaml documents it).
EMBEDDED_ID = "embedded-tiny"
BASE_JSON = "base.json"


class ModelNotFoundError(ValueError):
    """``model.id`` names no model this machine can load; the message names the key and the fix."""


def offline_environment(model_id: str) -> dict:
    """Environment variables every job of a run on ``model_id`` needs: the embedded model never
    touches a model hub (nothing may be downloaded at run time), so its runs are hub-offline.

    huggingface_hub reads ``HF_HUB_OFFLINE`` once, when it is imported, so the variable must be
    in the job's environment before the job starts: ``rules/common.smk`` sets it in the
    Snakemake process, whose jobs inherit it. Setting it inside a job would come too late.
    """
    return {"HF_HUB_OFFLINE": "1"} if model_id == EMBEDDED_ID else {}


def local_model_path(model_id: str, root: str | Path = ".") -> Path | None:
    """The folder ``model_id`` names when it reads as a local path (``/``, ``./``, ``../``, ``~``,
    more than one ``/``, or an existing path), else None (a hub id or the embedded model)."""
    if model_id == EMBEDDED_ID:
        return None
    path = Path(model_id).expanduser()
    path = path if path.is_absolute() else Path(root) / path
    looks_local = model_id.startswith(("/", "./", "../", "~")) or model_id.count("/") > 1 or path.exists()
    return path if looks_local else None


def local_model_problem(model_id: str, path: Path) -> str | None:
    """Why ``path`` (a local ``model.id``) is not a saved model, or None."""
    if not path.is_dir():
        return (f"model.id: {model_id!r} is a local path that does not exist (or is not a folder); "
                f"give an existing model folder, a hub id (`name` or `namespace/name`) or {EMBEDDED_ID!r}")
    if not (path / "config.json").is_file():
        return f"model.id: {model_id!r} is a folder without config.json, not a saved model"
    return None


def build_base_model(out_dir, *, inputs: dict, model: dict) -> dict:
    """Build the embedded tiny model into ``out_dir``, or resolve ``model.id`` to a model folder
    (a local path checked, a hub id downloaded into ``model.cache_dir``) and record it."""
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
        info = {"embedded": False, **resolve_model(model["id"], cache_dir=model["cache_dir"])}
    write_atomic(out_dir / BASE_JSON, json.dumps(info, indent=2) + "\n")
    log.info("base model: %s", info)
    return info


def resolve_model(model_id: str, *, cache_dir: str | Path) -> dict:
    """``{"id", "source", "path"[, "revision"]}`` for a local folder or a hub id (downloaded).

    Raises ModelNotFoundError naming ``model.id`` when the folder is not a saved model, the hub
    has no such model, or the hub cannot be reached (offline, no network) and the cache lacks it.
    """
    local = local_model_path(model_id)
    if local is not None:
        problem = local_model_problem(model_id, local)
        if problem:
            raise ModelNotFoundError(problem)
        return {"id": model_id, "source": "local", "path": str(local.resolve())}
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError

    fetch = (f"pre-fetch it where the hub is reachable (`hf download {model_id} --cache-dir {cache_dir}`), "
             f"or download it to a folder and set model.id to that folder")
    try:
        folder = snapshot_download(model_id, cache_dir=str(cache_dir))
    except GatedRepoError:
        raise ModelNotFoundError(f"model.id: {model_id!r} is a gated model: accept its terms on the hub, log in "
                                 f"(`hf auth login`) and rerun, or {fetch}") from None
    except RepositoryNotFoundError:
        raise ModelNotFoundError(f"model.id: {model_id!r} is not a model on the hub ({constants.ENDPOINT}); check "
                                 f"the spelling (`namespace/name`), or give a local model folder") from None
    except LocalEntryNotFoundError:
        why = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else f"{constants.ENDPOINT} cannot be reached"
        raise ModelNotFoundError(f"model.id: {model_id!r} is not in model.cache_dir ({cache_dir}) and {why}; "
                                 f"{fetch}") from None
    except (HfHubHTTPError, OSError) as error:
        raise ModelNotFoundError(f"model.id: {model_id!r} could not be downloaded ({type(error).__name__}: "
                                 f"{str(error).splitlines()[0] if str(error) else ''}); {fetch}") from None
    return {"id": model_id, "source": "hub", "revision": Path(folder).name, "path": os.fspath(folder)}


def read_base(base) -> tuple[dict, str]:
    """(base.json contents, what from_pretrained should load: always a folder on disk)."""
    path = Path(base) / BASE_JSON
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        source = str(Path(base)) if info["embedded"] else info["path"]
    except (OSError, json.JSONDecodeError, KeyError) as error:
        raise ValueError(f"{path}: not a base-model record ({error}); rebuild it with the base_model rule") from error
    return info, source
