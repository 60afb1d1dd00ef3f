"""The task registry: every task of the study, in a fixed order, and the tasks a run enables.

The order is part of the data: the pair builder seeds a task's stream with
``default_rng([seed, index in REGISTRY])``, so appending a task (or enabling one) never changes
another task's pairs. A task is registered by adding its package's ``TASK`` here; nothing else in
the pipeline names a task, and nothing but this module imports a task package (see
docs/contracts.md, "Task plug-ins").
"""
from __future__ import annotations

from typing import Any, Mapping

from commerce_grpo.tasks import extraction, insights, listing_repair, push, sql_qa
from commerce_grpo.tasks.spec import TaskSpec

REGISTRY: dict[str, TaskSpec] = {module.TASK.name: module.TASK for module in (extraction, sql_qa, insights, push, listing_repair)}
ALL = tuple(REGISTRY)
SPLITS = ("train", "validation", "eval")  # the per-task counts of config ``tasks.<task>``


def get(name: str) -> TaskSpec:
    """The registered task ``name``; ValueError naming the known tasks otherwise."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {name!r} (known: {list(REGISTRY)})") from None


def index(name: str) -> int:
    """The task's position in the registry (its pair stream's seed offset)."""
    return list(REGISTRY).index(get(name).name)


def enabled(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The run's enabled tasks, in registry order, from the top-level ``tasks`` config section.

    ``config`` is the whole config or the ``tasks`` section itself. A task the section names but
    the registry lacks is an error naming the key; so is a run with no task enabled.
    """
    section = config.get("tasks", config) if isinstance(config, Mapping) else None
    if not isinstance(section, Mapping):
        raise ValueError(f"config key 'tasks' must be a mapping of task → settings, got {section!r}")
    unknown = [name for name in section if name not in REGISTRY]
    if unknown:
        raise ValueError(f"config key tasks.{unknown[0]}: not a registered task (known: {list(REGISTRY)})")
    for name, settings in section.items():
        if not isinstance(settings, Mapping) or not isinstance(settings.get("enabled"), bool):
            raise ValueError(f"config key tasks.{name}.enabled must be true or false, got {settings!r}")
    chosen = tuple(name for name in REGISTRY if name in section and section[name]["enabled"])
    if not chosen:
        raise ValueError("config key tasks: at least one task must have enabled: true")
    return chosen


def assistant_target(record: Mapping[str, Any]) -> str:
    """The honest answer to one pair record (SFT demonstration, audit gold): its task's ``target``."""
    task = record["task"]
    try:
        return get(task).target(record)
    except KeyError as error:
        raise ValueError(f"pair {record.get('id')!r}: cannot render an SFT target for task {task!r} "
                         f"(missing {error})") from error


def counts(config: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """{task: {train, validation, eval}} of the enabled tasks (the pair builder's request)."""
    section = config.get("tasks", config)
    result = {}
    for name in enabled(config):
        values = section[name]
        for split in SPLITS:
            value = values.get(split)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"config key tasks.{name}.{split} must be an integer >= 0, got {value!r}")
        result[name] = {split: values[split] for split in SPLITS}
    return result
