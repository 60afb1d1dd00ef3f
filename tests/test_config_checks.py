"""Config problems the schema cannot see stop the run before any job, naming key and value.

Each of these was caught late before: push weights summing to 1.1 (reward_audit, 69 s in),
``model.id: /nonexistent/model`` (sft, after base_model succeeded), too few orders for the
requested prompts (inside pairs).
"""
import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from commerce_grpo.config_checks import ConfigError, check_config, config_warnings, trained_tasks
from commerce_grpo.rewards.config import preset_weights

ROOT = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
LORA_SFT = {"sft__full_parameter": False}  # the default trains every weight, for the embedded model only


def _config(**changes) -> dict:
    config = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        node = config
        for parent in parents:
            node = node.setdefault(parent, {})
        node[key] = value
    return config


def _problems(config, root=ROOT) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        check_config(config, root=root)
    return caught.value.problems


def _push_weights_summing_to(total_extra: float) -> dict:
    weights = preset_weights(BASE.get("rewards", {}).get("preset", "correctness"))["push"]
    first = next(k for k in weights if not k.endswith("_penalty"))
    weights[first] += total_extra
    return weights


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "config").glob("*.yaml") if p.name != "schema.yaml"),
                         ids=lambda p: p.name)
def test_shipped_configs_pass(path):
    config = copy.deepcopy(BASE)
    config.update(yaml.safe_load(path.read_text()))
    check_config(config, root=ROOT)


def test_weights_summing_to_1_1_are_named():
    [problem] = _problems(_config(rewards__push=_push_weights_summing_to(0.1)))
    assert "rewards.push" in problem and "1.1" in problem


def test_an_enabled_judge_needs_a_readable_rubric():
    check_config(_config(rewards__judge={**BASE["rewards"]["judge"], "enabled": True}), root=ROOT)
    [problem] = _problems(_config(rewards__judge={"enabled": True, "rubric_file": "data/judge/missing.yaml"}))
    assert problem.startswith("rewards.judge:") and "missing.yaml" in problem
    check_config(_config(rewards__judge={"enabled": False, "rubric_file": "data/judge/missing.yaml"}), root=ROOT)


def test_nonexistent_local_model_path_is_named(tmp_path):
    [problem] = _problems(_config(model__id="/nonexistent/model", **LORA_SFT))
    assert "model.id" in problem and "'/nonexistent/model'" in problem and "does not exist" in problem
    (tmp_path / "empty_model").mkdir()
    [problem] = _problems(_config(model__id=str(tmp_path / "empty_model"), **LORA_SFT))
    assert "config.json" in problem


@pytest.mark.parametrize("model_id", ["Polygl0t/Tucano2-qwen-0.5B-Instruct", "gpt2", "embedded-tiny"])
def test_hub_ids_and_the_embedded_model_pass(model_id):
    check_config(_config(model__id=model_id, **LORA_SFT), root=ROOT)


def test_an_existing_local_model_folder_passes(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    check_config(_config(model__id=str(tmp_path / "model"), **LORA_SFT), root=ROOT)
    check_config(_config(model__id="model", **LORA_SFT), root=tmp_path)  # relative to the working folder


@pytest.mark.parametrize("model_id", ["a/b/c", "name with spaces", "-bad/name", "ns/na--me"])
def test_malformed_model_ids_are_named(model_id):
    [problem] = _problems(_config(model__id=model_id, **LORA_SFT))
    assert f"model.id: {model_id!r}" in problem


def test_pairs_scale_beyond_the_synthetic_orders_is_named(tmp_path):
    config = _config(pairs__scale=3.5, data__source="synthetic", data__orders=5000)
    [problem] = _problems(config)
    assert "pairs.scale: 3.5" in problem and "data.orders: 5000" in problem
    suggested = int(problem.split("at least ")[1].split()[0])
    check_config(_config(pairs__scale=3.5, data__source="synthetic", data__orders=suggested), root=ROOT)
    check_config(_config(pairs__scale=3.5, data__source="synthetic", data__orders=20000), root=ROOT)
    olist = tmp_path / "olist"
    olist.mkdir()
    (olist / "olist_orders_dataset.csv").write_text("order_id\n")
    # auto with Olist CSVs present: Olist's ~40k commented reviews, no synthetic constraint
    check_config(_config(pairs__scale=3.5, data__source="auto", data__olist_dir=str(olist)), root=ROOT)


def test_init_combinations_are_named():
    problems = _problems(_config(grpo__init="sft", sft__enabled=False))
    assert any("grpo.init is 'sft' but sft.enabled is false" in p for p in problems)
    [problem] = _problems(_config(grpo_from_base=True, grpo__init="base"))
    assert "grpo_from_base" in problem


def test_full_parameter_sft_is_for_the_embedded_model_only():
    hub = "Polygl0t/Tucano2-qwen-0.5B-Instruct"
    problems = _problems(_config(model__id=hub, sft__full_parameter=True))
    assert any(p.startswith("sft.full_parameter: true") and "set sft.full_parameter: false" in p for p in problems)
    check_config(_config(model__id=hub, sft__full_parameter=False), root=ROOT)
    check_config(_config(model__id="embedded-tiny", sft__full_parameter=True), root=ROOT)


def test_greedy_eval_with_several_samples_is_named():
    [problem] = _problems(_config(evaluate__temperature=0, evaluate__samples_per_prompt=4))
    assert problem.startswith("evaluate.samples_per_prompt: 4 samples at evaluate.temperature: 0")
    check_config(_config(evaluate__temperature=0, evaluate__samples_per_prompt=1), root=ROOT)


def _disabled(task: str) -> dict:
    return {**BASE["tasks"][task], "enabled": False}


def test_task_names_and_enabled_tasks_are_checked():
    [problem] = _problems(_config(tasks__listing_fake={"enabled": False, "train": 1, "validation": 1, "eval": 1}))
    assert "tasks.listing_fake" in problem and "not a registered task" in problem
    disabled = {task: _disabled(task) for task in BASE["tasks"]}
    [problem] = _problems(_config(tasks=disabled))
    assert "at least one task" in problem
    # sql_qa off: the default grpo.task_mix still weighs it; sft.tasks and rewards.sql_qa name it too
    problems = _problems(_config(tasks__sql_qa=_disabled("sql_qa"), sft__tasks=["extraction", "sql_qa"],
                                 rewards__sql_qa={"result_match": 0.7}))
    assert sorted(p.split(":")[0] for p in problems) == ["grpo.task_mix", "rewards.sql_qa", "sft.tasks"]
    assert all("'sql_qa', which is not enabled" in p for p in problems)
    # off everywhere it was named: the run is fine
    mix = {t: w for t, w in BASE["grpo"]["task_mix"].items() if t != "sql_qa"}
    check_config(_config(tasks__sql_qa=_disabled("sql_qa"), grpo__task_mix=mix), root=ROOT)

def test_every_problem_is_reported_at_once():
    config = _config(model__id="/nonexistent/model", **LORA_SFT, rewards__push=_push_weights_summing_to(0.1),
                     pairs__scale=9.0, data__source="synthetic")
    problems = _problems(config)
    assert len(problems) == 3
    assert "3 problems" in str(ConfigError(problems))


def test_snakemake_dry_run_stops_before_any_job_naming_the_problems(tmp_path):
    """A real `snakemake -n` in a copy of the workflow with a bad config file."""
    copy_root = tmp_path / "wf"
    copy_root.mkdir()
    for name in ("Snakefile", "rules", "config", "scripts", "envs", "report"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy_root / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, copy_root / name)
    bad = {"model": {"id": "/nonexistent/model"}, "rewards": {"push": _push_weights_summing_to(0.1)}}
    (copy_root / "bad.yaml").write_text(yaml.safe_dump(bad))
    snakemake = Path(sys.executable).with_name("snakemake")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(snakemake), "-n", "--cores", "1", "--configfile", "bad.yaml"], cwd=copy_root,
                            capture_output=True, text=True, timeout=300, env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "model.id: '/nonexistent/model'" in output and "rewards.push" in output, output
    assert "Job stats" not in output and "rule " not in output.split("ConfigError")[0]


VLLM_ON = {**BASE["grpo"]["vllm"], "enabled": True}


@pytest.mark.parametrize("changes, keys", [
    ({"model__backend": "auto"}, ["model.backend: auto"]),
    ({"model__backend": "hf", "model__load_in_4bit": True}, ["model.load_in_4bit: true", "model.backend: unsloth"]),
    ({"model__backend": "unsloth", "grpo__vllm": {**VLLM_ON, "mode": "server"}, "lora__modules_to_save": []},
     ["grpo.vllm.mode: 'server'", "mode: colocate"]),
    ({"model__backend": "unsloth", "lora__modules_to_save": ["norm"]}, ["lora.modules_to_save: ['norm']"]),
    ({"model__backend": "unsloth", "lora__modules_to_save": [], "grpo__vllm": {**VLLM_ON, "enable_sleep_mode": True}},
     ["grpo.vllm.enable_sleep_mode: true"]),
])
def test_unsupported_rollout_paths_are_refused_with_the_alternative(changes, keys):
    """docs/gpu.md "Rollout paths": NF4 + TRL's engine crashes at build time (vLLM 0.29 has no
    bitsandbytes), a server or extra modules cannot be served by Unsloth's engine."""
    problems = _problems(_config(**{"grpo__vllm": VLLM_ON, **changes}))
    assert len(problems) == 1 and all(key in problems[0] for key in keys), problems


@pytest.mark.parametrize("changes", [
    {"model__backend": "unsloth", "model__load_in_4bit": True, "lora__modules_to_save": []},
    {"model__backend": "unsloth", "model__load_in_4bit": False, "lora__modules_to_save": []},
    {"model__backend": "hf", "model__load_in_4bit": False},
    {"model__backend": "hf", "model__load_in_4bit": False, "grpo__vllm": {**VLLM_ON, "mode": "server"}},
])
def test_supported_rollout_paths_pass(changes):
    check_config(_config(**{"grpo__vllm": VLLM_ON, **changes}), root=ROOT)


@pytest.mark.parametrize("backend", ["auto", "unsloth"])
def test_a_recipe_unsloth_would_rewrite_is_refused(backend):
    problems = _problems(_config(model__backend=backend, grpo__loss_type="dr_grpo", grpo__scale_rewards="group"))
    assert len(problems) == 1 and "grpo.scale_rewards: group" in problems[0], problems
    check_config(_config(model__backend="hf", grpo__loss_type="dr_grpo", grpo__scale_rewards="group"), root=ROOT)


# ----- enabled tasks are trained, or the run says why not (issue 25) -----

def test_trained_tasks_name_what_each_stage_trains():
    assert trained_tasks(BASE) == {"sft": ["extraction", "push"], "grpo": ["sql_qa", "insights", "push"]}
    pool_mix = _config(grpo__task_mix=None, sft__enabled=False, grpo__init="base")
    assert trained_tasks(pool_mix) == {"sft": [], "grpo": ["extraction", "sql_qa", "insights", "push"]}


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "config").glob("*.yaml") if p.name != "schema.yaml"),
                         ids=lambda p: p.name)
def test_shipped_configs_train_every_enabled_task(path):
    config = copy.deepcopy(BASE)
    update_config(config, yaml.safe_load(path.read_text()))  # merged key by key, as Snakemake does
    assert config_warnings(config) == []


def test_an_enabled_task_nothing_trains_is_warned_about():
    """listing_repair switched on alone: no SFT data, no GRPO weight; every arm would score it
    untrained (the report once diagnosed "data starvation")."""
    config = _config(tasks__listing_repair={**BASE["tasks"]["listing_repair"], "enabled": True})
    check_config(config, root=ROOT)  # legal: an evaluated-only task is a valid control
    [warning] = config_warnings(config)
    assert warning.startswith("tasks.listing_repair: enabled but no stage trains it")
    assert "sft.tasks" in warning and "grpo.task_mix" in warning
    trained = _config(tasks__listing_repair={**BASE["tasks"]["listing_repair"], "enabled": True},
                      grpo__task_mix={**BASE["grpo"]["task_mix"], "listing_repair": 1})
    assert config_warnings(trained) == [] and "listing_repair" in trained_tasks(trained)["grpo"]


def test_tokenizer_tasks_must_be_listed_in_tasks():
    tiny = {**BASE["model"]["tiny"], "tokenizer_tasks": ["extraction", "returns"]}
    [problem] = _problems(_config(model__tiny=tiny))
    assert problem.startswith("model.tiny.tokenizer_tasks: names task 'returns'")
    check_config(_config(model__tiny={**tiny, "tokenizer_tasks": ["extraction", "listing_repair"]}), root=ROOT)
