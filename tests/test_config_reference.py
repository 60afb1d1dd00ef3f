"""docs/configuration.md is generated from the schema, and every key has a description (issue 25)."""
from pathlib import Path

import yaml

from commerce_grpo.config_reference import describe, keys, render
from commerce_grpo.config_schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "config" / "schema.yaml")
DEFAULTS = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
REFERENCE = ROOT / "docs" / "configuration.md"


def test_every_key_of_the_schema_is_described():
    undescribed = [path for path, node in keys(SCHEMA) if not describe(node, SCHEMA)]
    assert not undescribed, f"add a description: to {undescribed} in config/schema.yaml"


def test_the_reference_is_the_schema_rendered():
    assert REFERENCE.read_text(encoding="utf-8") == render(SCHEMA, DEFAULTS), (
        "docs/configuration.md is stale: PYTHONPATH=scripts python -m commerce_grpo.config_reference "
        "> docs/configuration.md")


def test_every_key_of_the_default_config_is_in_the_reference():
    def leaves(node, prefix=""):
        for key, value in node.items():
            path = f"{prefix}.{'<task>' if prefix == 'tasks' else key}" if prefix else key
            yield from leaves(value, path) if isinstance(value, dict) and path != "grpo.task_mix" else [path]

    text = REFERENCE.read_text(encoding="utf-8")
    missing = [path for path in leaves(DEFAULTS) if f"| `{path}` |" not in text]
    assert not missing
