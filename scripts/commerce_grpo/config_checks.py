"""Checks of the whole config that the JSON schema cannot express, run before any job.

The schema checks keys and types one at a time; these check values against each other and against
the machine. Each was found late before: push weights summing to 1.1 failed in reward_audit 69 s
in; ``model.id: /nonexistent/model`` let base_model succeed and sft fail with a hub error about
repo names; too few orders for the requested prompts failed inside pairs. ``check_config`` runs
right after the schema validation in rules/common.smk and reports every problem at once, each
naming the key and its value. ``config_warnings`` names what is legal but probably not meant (an
enabled task that no stage trains), and ``trained_tasks`` says which stage trains which task.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Mapping

from commerce_grpo.modeling.base import EMBEDDED_ID as EMBEDDED_MODEL, local_model_problem, local_model_path

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
    for check in (_tasks, _tokenizer_tasks, _rewards, _model, _init_combinations, _pairs_vs_orders, _rollout_path,
                  _unsloth_recipe, _eval_samples):
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


def _tokenizer_tasks(config, root) -> list[str]:
    """The embedded tokenizer's tasks are drawn with their ``tasks`` counts, so each must be listed
    there (enabled or not)."""
    model = config.get("model") or {}
    if model.get("id") != EMBEDDED_MODEL:
        return []
    listed = config.get("tasks") or {}
    return [f"model.tiny.tokenizer_tasks: names task {name!r}, which the tasks section does not list (its "
            f"counts say how many prompts to draw); add tasks.{name} (enabled: false is fine) or drop it here"
            for name in (model.get("tiny") or {}).get("tokenizer_tasks") or () if name not in listed]


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
    local = local_model_path(model_id, root)
    if local is not None:
        problem = local_model_problem(model_id, local)
        return [problem] if problem else []
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
    if sft.get("full_parameter") and (config.get("model") or {}).get("id") != EMBEDDED_MODEL:
        problems.append(f"sft.full_parameter: true trains every weight, which is for the embedded model only "
                        f"(model.id {EMBEDDED_MODEL!r}); set sft.full_parameter: false to train the lora section")
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


def _rollout_path(config, root) -> list[str]:
    """vLLM rollouts only where they are correct by construction (docs/gpu.md, "Rollout paths"):
    Unsloth's own colocated engine (LoRA served per request) on backend unsloth, TRL's engine with
    a 16-bit model on backend hf. Everything else fails at the first step or trains on stale or
    lossy weights, so it is refused here with the keys to change."""
    model, lora = config.get("model") or {}, config.get("lora") or {}
    vllm = (config.get("grpo") or {}).get("vllm") or {}
    if not vllm.get("enabled"):
        return []
    backend, four_bit = model.get("backend"), model.get("load_in_4bit")
    if backend == "auto":
        return ["grpo.vllm.enabled: true with model.backend: auto; the rollout engine differs by backend "
                "(Unsloth's own on unsloth, TRL's on hf), so name it: model.backend: unsloth (any precision) or "
                "hf (with load_in_4bit: false)"]
    if backend == "hf" and four_bit:
        return ["grpo.vllm.enabled: true with model.backend: hf and model.load_in_4bit: true; TRL starts vLLM "
                "with quantization 'bitsandbytes', which vLLM 0.29 no longer has built in, and its weight sync "
                "would push merged 4-bit weights without their scales; use model.backend: unsloth (Unsloth's "
                "own engine serves the LoRA on the NF4 base) or load_in_4bit: false"]
    problems = []
    if backend == "unsloth" and vllm.get("mode") != "colocate":
        problems.append(f"grpo.vllm.mode: {vllm.get('mode')!r} with model.backend: unsloth; Unsloth's engine runs "
                        "in the training process (mode: colocate), and a server would be synced by merging the "
                        "LoRA into the live weights (lossy in bf16, requantised in NF4); set mode: colocate, or "
                        "model.backend: hf with load_in_4bit: false for a server")
    if backend == "unsloth" and vllm.get("enable_sleep_mode"):
        problems.append("grpo.vllm.enable_sleep_mode: true with model.backend: unsloth; TRL would put Unsloth's "
                        "engine, which shares the training weights, to sleep at level 2 (weights discarded); set "
                        "enable_sleep_mode: false (Unsloth's own standby is its UNSLOTH_VLLM_STANDBY=1)")
    if backend == "unsloth" and lora.get("modules_to_save"):
        problems.append(f"lora.modules_to_save: {list(lora['modules_to_save'])} with grpo.vllm.enabled on "
                        "model.backend: unsloth; Unsloth's engine serves LoRA weights only and refuses them; set "
                        "lora.modules_to_save: [] or grpo.vllm.enabled: false")
    return problems


def _unsloth_recipe(config, root) -> list[str]:
    """Recipes Unsloth's GRPOConfig rewrites although every value is passed: the same config
    would train differently on backend hf and unsloth (docs/gpu.md, "One recipe")."""
    model, grpo = config.get("model") or {}, config.get("grpo") or {}
    if model.get("backend") in ("auto", "unsloth") and grpo.get("loss_type") == "dr_grpo" \
            and grpo.get("scale_rewards") == "group":
        return ["grpo.loss_type: dr_grpo with grpo.scale_rewards: group; Unsloth's GRPOConfig turns reward "
                "scaling off for dr_grpo, so backend unsloth would train another recipe than hf; set "
                "scale_rewards: none (Dr. GRPO's own) or batch, or model.backend: hf"]
    return []


def _eval_samples(config, root) -> list[str]:
    """k greedy samples are one answer k times: found here, not in the first evaluate job after training."""
    evaluate = config.get("evaluate") or {}
    if evaluate.get("samples_per_prompt", 1) > 1 and evaluate.get("temperature") == 0:
        return [f"evaluate.samples_per_prompt: {evaluate['samples_per_prompt']} samples at evaluate.temperature: 0 "
                "(greedy) are one answer repeated; set samples_per_prompt: 1 or a temperature above 0"]
    return []


def trained_tasks(config: Mapping[str, Any]) -> dict[str, list[str]]:
    """{"sft": tasks the warm-up trains on, "grpo": tasks GRPO samples}, each in registry order.

    SFT trains the enabled tasks of ``sft.tasks`` (when ``sft.enabled``); GRPO samples every enabled
    task with training prompts unless ``grpo.task_mix`` names weights, then those above 0. The
    report's diagnosis reads it to say "not trained" rather than guess why a task did not move.
    """
    from commerce_grpo import tasks as registry

    counts = registry.counts(config["tasks"])
    pool = [task for task, n in counts.items() if round(n["train"] * config["pairs"]["scale"]) > 0]
    sft, mix = config["sft"], config["grpo"]["task_mix"]
    return {"sft": [task for task in pool if sft["enabled"] and task in sft["tasks"]],
            "grpo": [task for task in pool if mix is None or mix.get(task, 0) > 0]}


def config_warnings(config: Mapping[str, Any]) -> list[str]:
    """What the config allows but probably does not mean: an enabled task that no stage trains.

    A warning, not an error: evaluating a task nothing trains is a legitimate control (does GRPO on
    push move extraction?), but enabled alone, a task scores its base rate in every arm and reads
    like a failure of training (issue 25: listing_repair enabled, "data starvation" diagnosed).
    """
    from commerce_grpo import tasks as registry

    trained = trained_tasks(config)
    return [f"tasks.{task}: enabled but no stage trains it, so every arm scores it untrained; add it to "
            f"sft.tasks and/or give it a grpo.task_mix weight (or keep it as an evaluated-only control)"
            for task in registry.enabled(config["tasks"]) if task not in trained["sft"] + trained["grpo"]]
