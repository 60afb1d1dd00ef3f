"""Training fixtures: the tiny base of tests/modeling and SFT adapters on it (LoRA, full-parameter)."""
import pytest

from commerce_grpo.train.sft import train_sft
from modeling.tiny_fixtures import TINY_MODEL, tiny_base, tiny_inputs  # noqa: F401  (session fixtures)
from train.train_fixtures import LORA, SFT


@pytest.fixture(scope="session")
def sft_adapter(tmp_path_factory, tiny_inputs, tiny_base):  # noqa: F811
    out = tmp_path_factory.mktemp("sft")
    train_sft(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=tiny_base, audit=None,
              outputs={"adapter": out / "adapter", "metrics": out / "metrics.csv"},
              model=TINY_MODEL, lora=LORA, sft=SFT)
    return out / "adapter"


@pytest.fixture(scope="session")
def full_parameter_adapter(tmp_path_factory, tiny_inputs, tiny_base):  # noqa: F811
    """A warm-up with sft.full_parameter: every weight trained, saved as an adapter."""
    out = tmp_path_factory.mktemp("sft_full")
    train_sft(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=tiny_base, audit=None,
              outputs={"adapter": out / "adapter", "metrics": out / "metrics.csv"},
              model=TINY_MODEL, lora=LORA, sft={**SFT, "epochs": 1, "full_parameter": True})
    return out / "adapter"
