"""Command-line config overrides, typed by the schema before validation.

Snakemake parses ``--config key=value``: a top-level scalar becomes an int, float or bool when it
looks like one, but a mapping or list (``grpo={"max_steps": 5}``, ``seeds=[42,123]``) is read by
YAML's BaseLoader, which keeps every scalar inside it a string. The schema would then reject
``'5'`` as "not of type 'integer'". This module turns such strings into what the schema asks for
at that key, and leaves everything else alone, so a real mistake (``max_steps: many``) still
reaches the validation error that names the key.

Snakemake merges the parsed ``--config`` into the config files' values key by key, recursively
(``snakemake.utils.update_config``): ``grpo={"max_steps": 5}`` changes that one key and keeps the
rest of the ``grpo`` section. ``rules/common.smk`` applies the typed overrides the same way.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

_INTEGER = re.compile(r"[+-]?\d+")
_BOOLEANS = {"true": True, "false": False}
_NULLS = {"null", "~", ""}


def coerce_overrides(overrides, schema: dict):
    """``overrides`` with every string the schema types as integer, number, boolean or null at
    its key converted to that type (``{"grpo": {"max_steps": "5"}}`` → ``{... 5}``).

    A string that does not read as the expected type, or sits where the schema allows a string,
    stays a string. ``schema`` is the whole schema: ``$ref`` into ``#/definitions`` is followed.
    """
    return _coerce(overrides, schema, schema)


def _coerce(value, node: dict, root: dict):
    node = _resolve(node, root)
    alternatives = [_resolve(alt, root) for alt in node.get("oneOf", []) + node.get("anyOf", [])]
    if isinstance(value, Mapping):
        for alt in [node, *alternatives]:
            if "object" in _types(alt):
                properties = alt.get("properties", {})
                extra = alt.get("additionalProperties")
                fallback = extra if isinstance(extra, dict) else {}
                return {key: _coerce(item, properties.get(key, fallback), root) for key, item in value.items()}
        return value
    if isinstance(value, list):
        for alt in [node, *alternatives]:
            if "array" in _types(alt) and isinstance(alt.get("items"), dict):
                return [_coerce(item, alt["items"], root) for item in value]
        return value
    if isinstance(value, str):
        types = set(_types(node)).union(*(_types(alt) for alt in alternatives))
        return _scalar(value, types)
    return value


def _scalar(text: str, types: set[str]):
    if "string" in types:
        return text
    if types & {"integer", "number"} and _INTEGER.fullmatch(text.strip()):
        return int(text)
    if "number" in types:
        try:
            return float(text)
        except ValueError:
            pass
    if "boolean" in types and text.strip().lower() in _BOOLEANS:
        return _BOOLEANS[text.strip().lower()]
    if "null" in types and text.strip().lower() in _NULLS:
        return None
    return text


def _types(node: dict) -> list[str]:
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _resolve(node: dict, root: dict) -> dict:
    """Follow a local ``{"$ref": "#/definitions/x"}`` (chains included) to the node it names."""
    seen = set()
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise ValueError(f"config schema: cannot follow $ref {ref!r}")
        seen.add(ref)
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node
