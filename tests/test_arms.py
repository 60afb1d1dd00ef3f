"""Arm names: one builder, one parser, and they are each other's inverse."""
import re

import pytest
from hypothesis import given, strategies as st

from commerce_grpo.arms import RUNS, WILDCARD, arm_name, init_arm, parse_arm


@pytest.mark.parametrize(("run", "seed", "name"), [
    ("base", None, "base"),
    ("sft", None, "sft"),
    ("grpo", 42, "grpo_seed42"),
    ("grpo_from_base", 42, "grpo_from_base_seed42"),
    ("grpo", 0, "grpo_seed0"),
])
def test_names_round_trip(run, seed, name):
    assert arm_name(run, seed) == name
    assert parse_arm(name) == (run, seed)


@given(st.sampled_from(RUNS), st.integers(min_value=0, max_value=10**9))
def test_every_grpo_arm_round_trips_and_matches_the_wildcard(run, seed):
    name = arm_name(run, seed)
    assert parse_arm(name) == (run, seed)
    assert re.fullmatch(WILDCARD, name)


@pytest.mark.parametrize("name", [
    "grpo", "grpo_seed", "grpo_seedx", "grpo_seed042", "grpo_seed-1", "dpo_seed42", "base_seed42",
    "sft_seed1", "grpo_from_sft_seed42", "grpo_seed42.jsonl", "", "Base",
])
def test_other_strings_are_errors_naming_them(name):
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        parse_arm(name)
    assert not re.fullmatch(WILDCARD, name)


@pytest.mark.parametrize(("run", "seed"), [
    ("base", 42), ("sft", 1), ("grpo", None), ("grpo", -1), ("grpo", "42"), ("grpo", True), ("dpo", 42),
])
def test_bad_arguments_are_errors(run, seed):
    with pytest.raises(ValueError):
        arm_name(run, seed)


def test_init_arm_is_where_each_run_started():
    assert init_arm("grpo", "sft") == "sft"
    assert init_arm("grpo", "base") == "base"
    assert init_arm("grpo_from_base", "sft") == "base"
    with pytest.raises(ValueError):
        init_arm("sft", "sft")
    with pytest.raises(ValueError):
        init_arm("grpo", "dpo")
