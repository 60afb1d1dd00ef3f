"""The rewards section of config.yaml: a preset name plus overrides; the weights' one home is each task's
``TaskSpec.weights`` (one table per preset of ``PRESETS``)."""
from pathlib import Path

import pytest
import yaml
from task_names import TASKS

from commerce_grpo import tasks as registry
from commerce_grpo.rewards.config import DEFAULT_PRESET, PRESETS, settings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["config/config.yaml", "config/tucano2-0.5b.yaml", "tests/config/config.yaml"]


@pytest.mark.parametrize("config_file", SHIPPED)
def test_shipped_configs_resolve(config_file):
    rewards = yaml.safe_load((ROOT / config_file).read_text())["rewards"]
    cfg = settings(rewards)
    assert cfg.preset in PRESETS
    for task, weights in cfg.weights.items():
        assert sum(w for w in weights.values() if w > 0) == pytest.approx(1.0), task


@pytest.mark.parametrize("config_file", SHIPPED)
def test_config_files_state_no_weights(config_file):
    """Weights have one home (the task modules): config files name a preset, they do not copy it."""
    rewards = yaml.safe_load((ROOT / config_file).read_text())["rewards"]
    assert not set(rewards) & set(TASKS), rewards


def test_default_preset_is_correctness_and_study_is_the_published_reward():
    assert DEFAULT_PRESET == "correctness"
    assert settings().preset == settings({}).preset == "correctness"
    study = settings({"preset": "study"})
    assert study.weights["extraction"]["sentiment_mismatch"] == -0.20
    assert study.weights["push"]["formal"] == -0.20
    assert study.weights["sql_qa"]["result_match"] == 0.45
    for preset in PRESETS:
        assert set(settings({"preset": preset}).weights) == set(registry.REGISTRY)
        assert all(set(spec.weights) == set(PRESETS) for spec in registry.REGISTRY.values())


def test_correctness_weights_put_correctness_first():
    weights = settings().weights
    extraction = weights["extraction"]
    assert extraction["format"] <= 0.10 and sum(v for k, v in extraction.items() if k != "format") >= 0.9
    assert weights["sql_qa"]["result_match"] >= 0.7


@pytest.mark.parametrize("config,message", [
    ({"extraction": {"sentiment": 0.5}}, "must sum to 1"),
    ({"extraction": {"nope": 0.1}}, "rewards.extraction.nope"),
    ({"extraction": {"json_valid": 0.25}}, "rewards.extraction.json_valid of preset 'correctness'"),
    ({"nope": {}}, "unknown section 'nope'"),
    ({"push": {"length": -1}}, "rewards.push.length"),
    ({"push": {"length": True}}, "rewards.push.length"),
    ({"sql": {"timeout_s": 0}}, "timeout_s > 0"),
    ({"insights": 3}, "must be a mapping"),
    ({"preset": "nope"}, "unknown rewards.preset 'nope'"),
    ({"preset": 3}, "rewards.preset must be a preset name"),
])
def test_bad_config_names_the_key(config, message):
    with pytest.raises(ValueError, match=message):
        settings(config)


def test_overrides_apply_to_the_chosen_preset():
    study = settings({"preset": "study", "extraction": {"json_valid": 0.15, "reference_match": 0.30}})
    assert study.weights["extraction"]["json_valid"] == 0.15
    assert study.weights["extraction"]["reference_match"] == 0.30


def test_reweighting_moves_the_total(record):
    from commerce_grpo.rewards import score

    rec = record("push", "x", {"intent": "delay_apology", "facts": {"categoria": "cama mesa banho"}})
    text = "Seu pedido atrasou. Pedimos desculpas pela demora!"
    heavy_length = {"push": {"intent": 0.1, "content": 0.1, "length": 0.6, "call_to_action": 0.1, "tone": 0.1}}
    assert score(rec, text, config=heavy_length).total != score(rec, text).total
