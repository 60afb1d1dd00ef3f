"""``grpo.vllm`` reaches TRL's GRPOConfig through the one mapping (grpo_config → vllm_options)."""
from pathlib import Path

import pytest
import yaml

from commerce_grpo.train.grpo import grpo_config
from train.train_fixtures import grpo_section

REPO = Path(__file__).resolve().parents[2]
VLLM = {"enabled": True, "mode": "colocate", "gpu_memory_utilization": 0.45, "server_base_url": None,
        "enable_sleep_mode": True, "importance_sampling_correction": False}


def _args(tmp_path, vllm):
    return grpo_config(grpo_section(vllm=vllm), seed=0, output_dir=tmp_path, weights=[1.0])


def test_colocate_reaches_grpo_config(tmp_path):
    args = _args(tmp_path, VLLM)
    assert args.use_vllm is True and args.vllm_mode == "colocate"
    assert args.vllm_gpu_memory_utilization == 0.45 and args.vllm_enable_sleep_mode is True
    assert args.vllm_importance_sampling_correction is False
    assert args.top_k == -1  # vLLM's "all tokens", as Unsloth's GRPOConfig writes it


def test_server_mode_takes_the_url(tmp_path):
    args = _args(tmp_path, {**VLLM, "mode": "server", "server_base_url": "http://gpu-node:8000"})
    assert args.use_vllm is True and args.vllm_mode == "server"
    assert args.vllm_server_base_url == "http://gpu-node:8000"


def test_disabled_means_model_generate(tmp_path):
    assert _args(tmp_path, {**VLLM, "enabled": False}).use_vllm is False


@pytest.mark.parametrize("config", ["config/config.yaml", "config/tucano2-0.5b.yaml"])
def test_shipped_configs_validate_with_vllm_off(config):
    from snakemake.utils import validate

    cfg = yaml.safe_load((REPO / config).read_text())
    validate(cfg, schema=str(REPO / "config" / "schema.yaml"))
    assert cfg["grpo"]["vllm"]["enabled"] is False and cfg["grpo"]["vllm"]["mode"] == "colocate"


def test_schema_rejects_an_unknown_mode():
    from snakemake.utils import validate

    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    cfg["grpo"]["vllm"]["mode"] = "remote"
    with pytest.raises(Exception, match="remote"):
        validate(cfg, schema=str(REPO / "config" / "schema.yaml"))
