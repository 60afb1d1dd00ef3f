"""The conda environments agree with pyproject.toml, and the GPU one resolves on its own.

envs/pipeline.yaml is what every rule names under `--software-deployment-method conda`; if its
pins drift from pyproject.toml, a cluster run would use other library versions than the tested
local one. envs/gpu.yaml cannot share the CPU pins (unsloth caps transformers, trl and datasets),
so it is checked for internal consistency instead.
"""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ENVS = REPO / "envs"
PIN = re.compile(r"([A-Za-z0-9_.\-]+)==([^\s;]+)")


def _name(package: str) -> str:
    return re.sub(r"[-_.]+", "-", package).lower()  # PEP 503 normalisation


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = PIN.fullmatch(requirement.strip())
        assert match, f"not pinned with ==: {requirement!r}"
        pins[_name(match.group(1))] = match.group(2)
    return pins


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _env(name: str) -> dict:
    return yaml.safe_load((ENVS / name).read_text())


def _pip_section(env: dict) -> list[str]:
    sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict)]
    assert len(sections) == 1, "expected exactly one pip: section"
    return [line for line in sections[0] if not line.startswith("-")]


def test_every_rule_env_exists():
    named = set()
    for rule_file in (REPO / "rules").glob("*.smk"):
        named.update(re.findall(r'conda:\s*\n\s*"\.\./(envs/[^"]+)"', rule_file.read_text()))
    assert named, "no rule names a conda env"
    assert all((REPO / path).is_file() for path in named), named


def test_pipeline_env_pins_exactly_the_pyproject_dependencies():
    env_pins = _pins(_pip_section(_env("pipeline.yaml")))
    assert env_pins == _pins(_pyproject()["dependencies"])


def test_pipeline_env_installs_torch_from_pip_first():
    """torch pinned first in the pip list and not from a conda channel (no second torch build)."""
    env = _env("pipeline.yaml")
    assert _pip_section(env)[0].startswith("torch==")
    conda_packages = [dep for dep in env["dependencies"] if isinstance(dep, str)]
    assert not any(_name(dep).startswith(("pytorch", "torch")) for dep in conda_packages)


def test_envs_use_the_python_of_the_measured_set():
    for name in ("pipeline.yaml", "gpu.yaml"):
        assert "python=3.11" in _env(name)["dependencies"], name


def test_gpu_env_shares_every_pin_it_can_with_pyproject():
    """Everything unsloth does not constrain carries pyproject's pin (and the `gpu` extra's)."""
    gpu = _pins(_pip_section(_env("gpu.yaml")))
    project = _pins(_pyproject()["dependencies"] + _pyproject()["optional-dependencies"]["gpu"])
    # unsloth 2026.10 requires transformers<=5.17.0, trl<=1.15.0, datasets<5.0.0; vllm 0.29.0's
    # dependencies need numpy<2.4, which the SLURM executor plugin (>=2.4.5) cannot share: the
    # plugin runs in the submitting Snakemake's environment, not in a rule's.
    capped = {"transformers", "trl", "datasets", "numpy"}
    left_out = {"snakemake-executor-plugin-slurm"}
    for package, version in project.items():
        if package in left_out:
            assert package not in gpu, package
            continue
        assert package in gpu, f"envs/gpu.yaml lacks {package}"
        if package not in capped:
            assert gpu[package] == version, f"{package}: gpu.yaml {gpu[package]} != pyproject {version}"


def test_gpu_env_respects_unsloths_caps():
    gpu = _pins(_pip_section(_env("gpu.yaml")))

    def version(package):
        return tuple(int(part) for part in gpu[package].split("."))

    assert gpu["unsloth"].startswith("2026.10.")
    assert gpu["unsloth-zoo"] == gpu["unsloth"]
    assert version("transformers") <= (5, 17, 0)
    assert version("trl") <= (1, 15, 0)
    assert version("datasets") < (5, 0, 0)
    assert gpu["bitsandbytes"] == "0.50.2"
    # torchvision 0.28 is the build for torch 2.13; left free, pip takes one for a newer torch.
    assert gpu["torch"] == "2.13.0" and gpu["torchvision"] == "0.28.0"


@pytest.mark.slow
def test_gpu_env_resolves_with_pip(tmp_path):
    """pip's resolver agrees the GPU pins install together (metadata only; needs the index)."""
    requirements = tmp_path / "gpu.txt"
    requirements.write_text("\n".join(_pip_section(_env("gpu.yaml"))) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "-r", str(requirements)],
        text=True, capture_output=True, timeout=900,
    )
    if proc.returncode != 0 and re.search(r"(?i)connection|network is unreachable|temporary failure",
                                          proc.stderr):
        pytest.skip(f"package index unreachable: {proc.stderr.strip().splitlines()[-1]}")
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert proc.returncode == 0, "\n".join(errors) or proc.stderr[-2000:]


def test_gpu_env_pins_vllm_for_grpo_rollouts():
    """vllm 0.29.0 pins torch 2.13.0 and accepts transformers 5.17 (0.31 caps it below 5.18)."""
    gpu = _pins(_pip_section(_env("gpu.yaml")))
    assert gpu["vllm"] == "0.29.0" and gpu["torch"] == "2.13.0"


def test_ci_runs_the_training_tests_under_the_gpu_pins():
    """.ci/run builds .venv-gpu from envs/gpu.yaml (not a copy of its pins) and tests in it, and
    its last line stays the README's test command."""
    ci = (REPO / ".ci" / "run").read_text()
    assert 'yaml.safe_load(open("envs/gpu.yaml"))' in ci
    assert "pip uninstall --quiet --yes torchvision" in ci
    assert "TRITON_INTERPRET=1 .venv-gpu/bin/python -m pytest tests/modeling tests/train tests/evaluate" in ci
    assert ci.strip().splitlines()[-1] == ".venv/bin/python -m pytest"
