"""Validate the config against config/schema.yaml, one short line per problem.

jsonschema's own error text prints the failing schema node and the whole instance: a misspelt
``grpo.max_step`` named the key on line 5 of 182, and an unknown top-level ``seed`` gave 628 lines
(the schema and config dumped). Each problem here is the key, its value, what the schema allows
there and, for an unknown key, the nearest known one ("did you mean ``grpo.max_steps``?").
"""
from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml
from jsonschema.validators import validator_for

from commerce_grpo.config_checks import ConfigError

MAX_PROBLEMS = 8  # listed; the rest are counted (the whole error stays on one screen)
_VALUE_CHARS = 60


def load_schema(path: str | Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def validate_config(config: Mapping[str, Any], schema: dict) -> None:
    """Raise ConfigError with one line per schema violation of ``config``; nothing when it is valid."""
    problems = list(dict.fromkeys(schema_problems(config, schema)))
    if len(problems) > MAX_PROBLEMS:
        problems = problems[:MAX_PROBLEMS] + [f"... and {len(problems) - MAX_PROBLEMS} more"]
    if problems:
        raise ConfigError(problems)


def schema_problems(config: Mapping[str, Any], schema: dict) -> Iterator[str]:
    """One line per violation, in key order: ``key: value, what is wrong; what is allowed``."""
    validator = validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        node = resolve(error.schema, schema)
        key = _key(error.absolute_path)
        if error.validator == "additionalProperties" and node.get("additionalProperties") is False:
            known = list(node.get("properties", {}))
            for extra in sorted(set(error.instance) - set(known)):
                yield _unknown_key(_join(key, extra), error.instance[extra], known, schema)
        elif error.validator == "required":
            missing = [name for name in error.validator_value if name not in error.instance]
            for name in missing:
                yield f"{_join(key, name)}: missing (required; config/config.yaml shows its value)"
        else:
            accepted = allowed(node, schema)
            yield f"{key or '(top level)'}: {_value(error.instance)} {_what(error)}" + (
                f"; allowed: {accepted}" if accepted else "")


def _unknown_key(path: str, value, siblings: list[str], schema: dict) -> str:
    """The line for a key the schema does not know, with a suggestion when one is near."""
    parent, _, name = path.rpartition(".")
    line = f"{path}: unknown key (value {_value(value)})"
    close = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
    if close:
        return f"{line}; did you mean {_join(parent, close[0])}?"
    elsewhere = [p for p in _key_paths(schema) if p.rpartition(".")[2] == name]
    if elsewhere:
        return f"{line}; {name} is a key of {', '.join(p.rpartition('.')[0] or '(top level)' for p in elsewhere)}"
    where = f"of {parent}" if parent else "at the top level"
    return f"{line}; keys {where}: {', '.join(siblings)}"


def _what(error) -> str:
    """jsonschema's own one-line verdict without the repeated instance (``is not of type 'integer'``)."""
    if error.validator == "enum":
        return "is not one of the choices"
    message = error.message
    shown = repr(error.instance)
    if message.startswith(shown):
        message = message[len(shown):].strip()
    return message


def allowed(node: dict, root: dict | None = None) -> str:
    """What the schema accepts at ``node``, in words: types, choices and bounds."""
    parts = []
    kinds = node.get("type")
    if kinds:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        items = resolve(node["items"], root or {}) if isinstance(node.get("items"), dict) else None
        parts.append(" or ".join(f"list of {allowed(items, root) or 'values'}" if kind == "array" and items
                                 else kind for kind in kinds))
    if "enum" in node:
        parts.append("one of " + ", ".join(json.dumps(choice) for choice in node["enum"]))
    for word, sign in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                       ("exclusiveMaximum", "<"), ("minLength", "length >="), ("minItems", "items >=")):
        if word in node:
            parts.append(f"{sign} {node[word]}")
    if "pattern" in node:
        parts.append(f"matching {node['pattern']}")
    if node.get("description"):
        parts.append(f"({node['description']})")
    return " ".join(parts)


def _key_paths(schema: dict, node: dict | None = None, prefix: str = "") -> Iterator[str]:
    """Every dotted key path the schema declares (for "is a key of" hints)."""
    node = resolve(schema if node is None else node, schema)
    for name, child in node.get("properties", {}).items():
        path = _join(prefix, name)
        yield path
        yield from _key_paths(schema, child, path)


def resolve(node: dict, root: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node if isinstance(node, dict) else {}


def _key(path) -> str:
    return ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in path).replace(".[", "[")


def _join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _value(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 3] + "..."
