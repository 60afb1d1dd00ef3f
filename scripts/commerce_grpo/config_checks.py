"""Checks of the whole config that the JSON schema cannot express, run before any job.

The schema checks keys and types one at a time; these check values against each other and against
the machine. Each was found late before: push weights summing to 1.1 failed in reward_audit 69 s
in; ``model.id: /nonexistent/model`` let base_model succeed and sft fail with a hub error about
repo names; too few orders for the requested prompts failed inside pairs. ``check_config`` runs
right after the schema validation in rules/common.smk and reports every problem at once, each
naming the key and its value.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Mapping

from commerce_grpo.modeling.base import EMBEDDED_ID as EMBEDDED_MODEL

# The synthetic generator gives ~36 % of orders a commented review (data/marginals.py's comment
# rates over its score mix: 5,000 orders hold ~1,800); every extraction prompt needs its own.
COMMENTED_REVIEWS_PER_ORDER = 0.36
# A hub id is `name` or `namespace/name` (the hub's own rule: letters, digits, '-', '_', '.').
_HUB_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
_HUB_ID = re.compile(rf"{_HUB_PART}(?:/{_HUB_PART})?")


class ConfigError(ValueError):
    """One or more config problems; the message lists each with its key and value."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("config: " + "; ".join(problems) if len(problems) == 1 else
                         "config has {} problems:\n  - {}".format(len(problems), "\n  - ".join(problems)))


def check_config(config: Mapping[str, Any], *, root: str | Path = ".") -> None:
    """Raise ConfigError listing every problem of ``config`` (already schema-validated).

    ``root`` is the folder relative paths (a local model, the Olist folder) are read from.
    """
    problems: list[str] = []
    for check in (_tasks, _rewards, _model, _init_combinations, _pairs_vs_orders):
        problems += check(config, Path(root))
    if problems:
        raise ConfigError(problems)


def _tasks(config, root) -> list[str]:
    """``tasks`` names registered tasks, one at least enabled; sft.tasks, grpo.task_mix and
    rewards.<task> name only enabled ones (a typo or a disabled task would silently train nothing)."""
    from commerce_grpo import tasks as registry
    from commerce_grpo.rewards.config import settings

    try:
        enabled = registry.enabled(config.get("tasks") or {})
    except ValueError as exc:
        return [str(exc).removeprefix("config key ")]
    problems = []
    named = [("sft.tasks", name) for name in (config.get("sft") or {}).get("tasks") or ()]
    named += [("grpo.task_mix", name) for name in (config.get("grpo") or {}).get("task_mix") or {}]
    sections = set(settings({}).weights)  # the task sections rewards: may hold (its other keys are checked there)
    named += [(f"rewards.{name}", name) for name in config.get("rewards") or {} if name in sections]
    for key, name in named:
        if name not in enabled:
            problems.append(f"{key}: names task {name!r}, which is not enabled (enabled: {list(enabled)}); "
                            f"set tasks.{name}.enabled: true or drop it here")
    return problems


def _rewards(config, root) -> list[str]:
    # The weights have one home (rewards/config.py, presets included): resolve them the way the
    # rewards do, so the check and the run cannot disagree (L-reward-spec).
    from commerce_grpo.rewards.config import settings

    try:
        settings(config.get("rewards") or {})
    except ValueError as exc:
        return [str(exc).removeprefix("rewards config: ")]
    return _judge(config.get("rewards") or {}, root)


def _judge(rewards, root) -> list[str]:
    """An enabled LLM judge needs a readable rubric (found here, not at GRPO's first step)."""
    from commerce_grpo.rewards.judge import enabled, judge_settings, load_rubric

    try:
        if not enabled(rewards):
            return []
        path = Path(judge_settings(rewards)["rubric_file"])
        load_rubric(path if path.is_absolute() else Path(root) / path)
    except ValueError as exc:
        return [f"rewards.judge: {exc}"]
    return []


def _model(config, root) -> list[str]:
    model_id = str((config.get("model") or {}).get("id", ""))
    if model_id == EMBEDDED_MODEL:
        return []
    path = Path(model_id).expanduser()
    path = path if path.is_absolute() else root / path
    looks_local = model_id.startswith(("/", "./", "../", "~")) or model_id.count("/") > 1 or path.exists()
    if looks_local:
        if not path.is_dir():
            return [f"model.id: {model_id!r} is a local path that does not exist (or is not a folder); "
                    f"give an existing model folder, a hub id (`name` or `namespace/name`) or "
                    f"{EMBEDDED_MODEL!r}"]
        if not (path / "config.json").is_file():
            return [f"model.id: {model_id!r} is a folder without config.json, not a saved model"]
        return []
    if not _HUB_ID.fullmatch(model_id) or "--" in model_id or ".." in model_id:
        return [f"model.id: {model_id!r} is neither a hub id (`name` or `namespace/name`: letters, digits, "
                f"'-', '_', '.'), an existing local folder, nor {EMBEDDED_MODEL!r}"]
    return []


def _init_combinations(config, root) -> list[str]:
    grpo, sft = config.get("grpo") or {}, config.get("sft") or {}
    problems = []
    if grpo.get("init") == "sft" and not sft.get("enabled", True):
        problems.append("grpo.init is 'sft' but sft.enabled is false; enable the SFT warm-up or set "
                        "grpo.init: base")
    if config.get("grpo_from_base") and grpo.get("init") == "base":
        problems.append("grpo_from_base: true adds a GRPO-from-base arm beside an SFT-initialised one, but "
                        "grpo.init is already 'base'; set grpo.init: sft or grpo_from_base: false")
    return problems


def _synthetic(data: Mapping[str, Any], root: Path) -> bool:
    source = data.get("source", "auto")
    if source == "auto":
        olist = Path(str(data.get("olist_dir", "data/raw/olist")))
        olist = olist if olist.is_absolute() else root / olist
        return not (olist.is_dir() and any(olist.glob("*.csv")))
    return source == "synthetic"


def _pairs_vs_orders(config, root) -> list[str]:
    data, pairs = config.get("data") or {}, config.get("pairs") or {}
    extraction = (config.get("tasks") or {}).get("extraction") or {}
    if not _synthetic(data, root) or "orders" not in data or not extraction.get("enabled"):
        return []
    try:
        wanted = round(extraction["train"] * pairs["scale"]) + extraction["validation"] + extraction["eval"]
    except (KeyError, TypeError):
        return []  # the schema names a missing key
    available = int(data["orders"] * COMMENTED_REVIEWS_PER_ORDER)
    if wanted <= available:
        return []
    # The suggestion leaves 20 % for duplicate texts (each prompt needs a distinct review).
    needed = math.ceil(wanted / (0.8 * COMMENTED_REVIEWS_PER_ORDER) / 1000) * 1000
    return [f"pairs.scale: {pairs['scale']} asks for {wanted} extraction prompts (tasks.extraction.train "
            f"{extraction['train']} x scale + validation + eval), but data.orders: {data['orders']} "
            f"synthetic orders hold only ~{available} commented reviews; raise data.orders to at least "
            f"{needed} or lower pairs.scale"]
