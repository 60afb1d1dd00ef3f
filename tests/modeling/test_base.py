"""The base-model record's light half: what rules/common.smk imports at every Snakemake start."""
import subprocess
import sys
from pathlib import Path

from commerce_grpo.modeling.base import EMBEDDED_ID, offline_environment

REPO = Path(__file__).resolve().parents[2]


def test_the_embedded_model_runs_hub_offline_and_a_hub_model_does_not():
    assert offline_environment(EMBEDDED_ID) == {"HF_HUB_OFFLINE": "1"}
    assert offline_environment("Polygl0t/Tucano2-qwen-0.5B-Instruct") == {}


def test_reading_the_embedded_id_imports_no_torch():
    """common.smk reads EMBEDDED_ID on every dry run: importing torch there costs seconds."""
    code = ("import sys, commerce_grpo.modeling.base; "
            "print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": "scripts", "PATH": ""}, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_the_package_still_offers_its_names():
    import commerce_grpo.modeling as modeling

    assert callable(modeling.load_model) and callable(modeling.build_base_model)
    assert set(modeling.__all__) == {"attach_lora", "build_base_model", "load_model", "read_base",
                                     "resolve_backend"}
