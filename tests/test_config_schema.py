"""Schema errors fit on a screen: the key, its value, what is allowed, and "did you mean" (issue 25).

jsonschema's own text dumped the failing schema node and the whole config: a misspelt
``grpo.max_step`` was named on line 5 of 182, an unknown top-level ``seed`` gave 628 lines.
The Snakemake runs of these mistakes are in tests/workflow/test_dag.py.
"""
import copy
from pathlib import Path

import pytest
import yaml

from commerce_grpo.config_checks import ConfigError
from commerce_grpo.config_schema import MAX_PROBLEMS, load_schema, validate_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "config" / "schema.yaml")
BASE = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def _problems(**sections) -> list[str]:
    config = copy.deepcopy(BASE)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key].update(value)
        else:
            config[key] = value
    with pytest.raises(ConfigError) as caught:
        validate_config(config, SCHEMA)
    assert len(str(caught.value).splitlines()) <= MAX_PROBLEMS + 2
    return caught.value.problems


def test_the_default_config_is_valid():
    validate_config(BASE, SCHEMA)


def test_an_unknown_nested_key_names_its_nearest_sibling():
    assert _problems(grpo={"max_step": 30}) == ["grpo.max_step: unknown key (value 30); did you mean grpo.max_steps?"]


def test_an_unknown_top_level_key_names_its_nearest_key():
    assert _problems(seed=[123]) == ["seed: unknown key (value [123]); did you mean seeds?"]


def test_a_key_of_another_section_says_where_it_belongs():
    assert _problems(grpo={"epochs": 3}) == ["grpo.epochs: unknown key (value 3); epochs is a key of sft"]


def test_a_wrong_type_names_the_key_the_value_and_what_is_allowed():
    [problem] = _problems(grpo={"max_steps": "many"})
    assert problem.startswith("grpo.max_steps: 'many' is not of type 'integer'; allowed: integer >= 1")


def test_a_wrong_choice_lists_the_choices():
    [problem] = _problems(grpo={"loss_type": "ppo"})
    assert problem.startswith("grpo.loss_type: 'ppo' is not one of the choices; allowed: string one of \"grpo\", "
                              "\"dr_grpo\", \"dapo\", \"bnpo\"")


def test_a_missing_key_is_named():
    config = copy.deepcopy(BASE)
    del config["grpo"]["beta"]
    with pytest.raises(ConfigError, match=r"grpo\.beta: missing"):
        validate_config(config, SCHEMA)


def test_many_problems_are_counted_not_all_listed():
    problems = _problems(grpo={f"typo_{n}": n for n in range(MAX_PROBLEMS + 5)})
    assert len(problems) == MAX_PROBLEMS + 1 and problems[-1] == "... and 5 more"
