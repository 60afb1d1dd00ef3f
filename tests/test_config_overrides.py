"""Command-line overrides typed by the real schema (config/schema.yaml), as common.smk does."""
from pathlib import Path

import jsonschema
import pytest
import yaml

from commerce_grpo.config_overrides import coerce_overrides

SCHEMA = yaml.safe_load((Path(__file__).parents[1] / "config" / "schema.yaml").read_text())


def test_nested_numbers_and_lists_get_the_schema_types():
    cli = {"grpo": {"max_steps": "5", "learning_rate": "1e-5", "temperature": "1",
                    "eval_decoding": {"top_k": "0"}, "task_weighting": {"enabled": "true"}},
           "seeds": ["42", "123"], "grpo_from_base": "False"}
    typed = coerce_overrides(cli, SCHEMA)
    assert typed == {"grpo": {"max_steps": 5, "learning_rate": 1e-5, "temperature": 1,
                              "eval_decoding": {"top_k": 0}, "task_weighting": {"enabled": True}},
                     "seeds": [42, 123], "grpo_from_base": False}
    assert type(typed["grpo"]["max_steps"]) is int and type(typed["grpo"]["learning_rate"]) is float


def test_refs_and_one_of_are_followed():
    typed = coerce_overrides({"tasks": {"push": {"train": "10", "enabled": "true"}}, "pairs": {"scale": "2.5"},
                              "lora": {"dropout": "0.1", "target_modules": ["q_proj"]}}, SCHEMA)
    assert typed == {"tasks": {"push": {"train": 10, "enabled": True}}, "pairs": {"scale": 2.5},
                     "lora": {"dropout": 0.1, "target_modules": ["q_proj"]}}
    # target_modules may be a string: a string stays one.
    assert coerce_overrides({"lora": {"target_modules": "all-linear"}}, SCHEMA) == {
        "lora": {"target_modules": "all-linear"}}


def test_strings_where_strings_belong_stay_strings():
    cli = {"run_name": "7", "model": {"id": "123"}, "data": {"olist_dir": "2024"}}
    assert coerce_overrides(cli, SCHEMA) == cli


def test_a_wrong_value_is_left_for_validation_to_name():
    typed = coerce_overrides({"grpo": {"max_steps": "many", "unknown_key": "3"}}, SCHEMA)
    assert typed == {"grpo": {"max_steps": "many", "unknown_key": "3"}}
    with pytest.raises(jsonschema.ValidationError, match="'many' is not of type 'integer'"):
        jsonschema.validate(typed["grpo"]["max_steps"], SCHEMA["properties"]["grpo"]["properties"]["max_steps"])


def test_a_float_is_not_forced_into_an_integer_key():
    assert coerce_overrides({"grpo": {"max_steps": "5.5"}}, SCHEMA) == {"grpo": {"max_steps": "5.5"}}
