# Helpers for every rule file. Validation runs first, so a bad key or value stops the run
# before any job, naming the key.
import os
import sys
from pathlib import Path

from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))
from commerce_grpo.data.schema import OLIST_TABLES


validate(config, schema="../config/schema.yaml")
config["seeds"] = [int(seed) for seed in config["seeds"]]
if config["grpo"]["init"] == "sft" and not config["sft"]["enabled"]:
    raise ValueError(
        "config: grpo.init is 'sft' but sft.enabled is false; "
        "enable the SFT warm-up or set grpo.init: base"
    )
if config["grpo_from_base"] and config["grpo"]["init"] == "base":
    raise ValueError(
        "config: grpo_from_base adds a GRPO-from-base arm beside an SFT-initialised one, "
        "but grpo.init is already 'base'; set grpo.init: sft or grpo_from_base: false"
    )
if config["model"]["id"] == "embedded-tiny":
    # The embedded default never touches a model hub (nothing may be downloaded at run time).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


wildcard_constraints:
    seed=r"\d+",
    arm=r"base|sft|grpo_seed\d+|grpo_from_base_seed\d+",


# Light rules run on the submitting host under a cluster executor (no sbatch round trip).
localrules:
    select_best,
    select_best_from_base,
    report,


EMBEDDED_MODEL = "embedded-tiny"
# One list of the Olist CSVs: the importer's own schema (a missing file is then a Snakemake error
# naming it, before any job starts).
OLIST_FILES = [csv_name for csv_name, _ in OLIST_TABLES.values()]


def data_source():
    """Resolve `data.source: auto` once: Olist CSVs when the folder holds any, else synthetic."""
    source = config["data"]["source"]
    if source == "auto":
        olist_dir = Path(config["data"]["olist_dir"])
        return "olist" if olist_dir.is_dir() and any(olist_dir.glob("*.csv")) else "synthetic"
    return source


def model_env():
    """Conda env of the rules that load the model: Unsloth's own env (its transformers/trl pins
    differ from ours) only when the config asks for the unsloth backend."""
    if config["model"]["backend"] == "unsloth":
        return "../envs/gpu.yaml"
    return "../envs/pipeline.yaml"


def olist_inputs(wildcards):
    if data_source() != "olist":
        return []
    return [str(Path(config["data"]["olist_dir"]) / name) for name in OLIST_FILES]


def base_model_inputs(wildcards):
    """The embedded tokenizer is trained on our own corpus; a hub model needs no input."""
    if config["model"]["id"] == EMBEDDED_MODEL:
        return {"db": "data/commerce.db", "train": "results/pairs/train.jsonl"}
    return {}


def eval_arms():
    arms = ["base"]
    if config["sft"]["enabled"]:
        arms.append("sft")
    arms += [f"grpo_seed{seed}" for seed in config["seeds"]]
    if config["grpo_from_base"]:
        arms += [f"grpo_from_base_seed{seed}" for seed in config["seeds"]]
    return arms


def grpo_init_adapter(wildcards):
    if config["grpo"]["init"] == "sft":
        return {"init_adapter": "results/sft/adapter"}
    return {}


def arm_adapter(wildcards):
    """The adapter an evaluation arm loads on top of the base model (none for `base`)."""
    if wildcards.arm == "base":
        return {}
    if wildcards.arm == "sft":
        return {"adapter": "results/sft/adapter"}
    run, seed = wildcards.arm.rsplit("_seed", 1)
    return {"adapter": f"results/{run}/seed{seed}/best"}


def get_final_output():
    """The report plus each seed's best adapter. Snakemake does not rebuild a deleted
    intermediate whose consumers are up to date; naming the per-seed artifacts here makes
    `rm -r results/grpo/seed42` followed by a plain run rebuild exactly that seed's branch."""
    return [
        "results/final_report.md",
        "results/final_report.json",
        *expand("results/grpo/seed{seed}/best", seed=config["seeds"]),
        *(
            expand("results/grpo_from_base/seed{seed}/best", seed=config["seeds"])
            if config["grpo_from_base"]
            else []
        ),
    ]
