"""The rewards section of config.yaml: merged over defaults, penalties negative, weights sum to 1."""
from pathlib import Path

import pytest
import yaml

from commerce_grpo.rewards.config import DEFAULTS, settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("config_file", ["config/config.yaml", "tests/config/config.yaml"])
def test_shipped_configs_resolve(config_file):
    rewards = yaml.safe_load((ROOT / config_file).read_text())["rewards"]
    cfg = settings(rewards)
    assert cfg.weights["extraction"]["sentiment_mismatch"] == -0.20
    assert cfg.weights["push"]["formal"] == -0.20
    for task, weights in cfg.weights.items():
        assert sum(w for w in weights.values() if w > 0) == pytest.approx(1.0), task


def test_config_yaml_states_every_default():
    rewards = yaml.safe_load((ROOT / "config/config.yaml").read_text())["rewards"]
    assert rewards == DEFAULTS


@pytest.mark.parametrize("config,message", [
    ({"extraction": {"json_valid": 0.5}}, "must sum to 1"),
    ({"extraction": {"nope": 0.1}}, "rewards.extraction.nope"),
    ({"nope": {}}, "unknown section 'nope'"),
    ({"push": {"length": -1}}, "rewards.push.length"),
    ({"push": {"length": True}}, "rewards.push.length"),
    ({"sql": {"timeout_s": 0}}, "timeout_s > 0"),
    ({"insights": 3}, "must be a mapping"),
])
def test_bad_config_names_the_key(config, message):
    with pytest.raises(ValueError, match=message):
        settings(config)


def test_reweighting_moves_the_total(record):
    from commerce_grpo.rewards import score

    rec = record("push", "x", {"intent": "delay_apology", "facts": {}})
    text = "Seu pedido atrasou. Pedimos desculpas!"
    heavy_length = {"push": {"length": 0.7, "portuguese": 0.1, "intent": 0.1, "creativity": 0.1}}
    assert score(rec, text, config=heavy_length).total != score(rec, text).total
