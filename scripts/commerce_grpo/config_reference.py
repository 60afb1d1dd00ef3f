"""docs/configuration.md, generated from config/schema.yaml's descriptions and config/config.yaml.

Every key is described once, in the schema; this renders them as one table per section with what
the schema allows and the embedded default's value. Regenerate after a schema change:

    PYTHONPATH=scripts python -m commerce_grpo.config_reference > docs/configuration.md

(tests/test_config_reference.py fails when the file and the schema drift, or a key has no description.)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterator

import yaml

from commerce_grpo.config_schema import allowed, load_schema, resolve

REPO = Path(__file__).resolve().parents[2]
HEADER = """# Configuration reference

Generated from `config/schema.yaml` by `python -m commerce_grpo.config_reference` (do not edit by
hand). Every key is required: `config/config.yaml` (the embedded default, commented key by key)
sets each one, and a `--configfile` or `--config` changes only the keys it names
([usage](usage.md#configuration)). *Default* is `config/config.yaml`'s value;
`config/tucano2-0.5b.yaml` holds the study's real recipe and `config/quick.yaml` the smoke run.
A wrong key or value stops the run before any job, naming the key, its value and what is allowed.
"""


def keys(schema: dict, node: dict | None = None, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """(dotted key, schema node) for every key, depth first; a free-named key reads ``<task>`` or
    ``<component>`` (a reward component)."""
    node = resolve(schema if node is None else node, schema)
    for name, child in node.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path, child
        yield from keys(schema, child, path)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and prefix:
        names_tasks = node.get("propertyNames", {}).get("$ref", "").endswith("/task_name")
        path = f"{prefix}.<task>" if names_tasks or resolve(extra, schema).get("type") == "object" else f"{prefix}.<component>"
        yield path, extra
        yield from keys(schema, extra, path)


def describe(node: dict, schema: dict) -> str:
    """The key's description: its own, else that of the definition it refers to."""
    return node.get("description") or resolve(node, schema).get("description", "")


def render(schema: dict, defaults: dict) -> str:
    """The whole reference: the top-level scalars first, then one table per section."""
    sections: dict[str, list[str]] = {"": []}
    for path, node in keys(schema):
        top, _, rest = path.partition(".")
        if not rest and resolve(node, schema).get("type") == "object":
            sections[top] = []  # a section: its description heads its table
            continue
        sections[top if rest else ""].append(_row(path, node, schema, defaults))
    out = [HEADER]
    for top, rows in sections.items():
        title = f"## `{top}`\n\n{describe(schema['properties'][top], schema)}\n" if top else "## Top level\n"
        out += [title, "| Key | Allowed | Default | Description |", "|---|---|---|---|", *rows, ""]
    return "\n".join(out)


def _row(path: str, node: dict, schema: dict, defaults: dict) -> str:
    resolved = resolve(node, schema)
    accepted = allowed({**resolved, "description": ""}, schema) or _alternatives(resolved, schema)
    return f"| `{path}` | {_cell(accepted)} | {_cell(_default(defaults, path))} | {_cell(describe(node, schema))} |"


def _alternatives(node: dict, schema: dict) -> str:
    options = [allowed({**resolve(alt, schema), "description": ""}, schema) for alt in node.get("oneOf", [])]
    return " or ".join(filter(None, options))


def _default(defaults: Any, path: str) -> str:
    """The default config's value at ``path``; under ``<task>``, each named task's value."""
    head, _, rest = path.partition(".")
    if head == "<task>":
        values = {name: _default(value, rest) if rest else "" for name, value in defaults.items()} \
            if isinstance(defaults, dict) else {}
        return ", ".join(f"{name}: {value}" for name, value in values.items() if value)
    if not isinstance(defaults, dict) or head not in defaults:
        return ""
    if rest:
        return _default(defaults[head], rest)
    value = defaults[head]
    return "" if isinstance(value, dict) else f"`{json.dumps(value, ensure_ascii=False)}`"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def main() -> None:
    schema = load_schema(REPO / "config" / "schema.yaml")
    defaults = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    sys.stdout.write(render(schema, defaults))


if __name__ == "__main__":
    main()
