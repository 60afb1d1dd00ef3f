# Helpers for every rule file. Validation runs first, so a bad key or value stops the run
# before any job, naming the key.
import glob
import os
import sys
from pathlib import Path

import yaml
from snakemake.utils import update_config, validate

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))
from commerce_grpo.arms import RUNS, WILDCARD, arm_name, init_arm, parse_arm
from commerce_grpo.config_checks import check_config
from commerce_grpo.config_overrides import coerce_overrides
from commerce_grpo.data.schema import OLIST_TABLES
from commerce_grpo.modeling.base import EMBEDDED_ID, offline_environment


# `--config` values arrive as strings inside a mapping or list (`grpo={"max_steps": 5}`); give
# them the schema's types, then merge them over the config files key by key as Snakemake did.
update_config(
    config,
    coerce_overrides(
        workflow.config_settings.config,
        yaml.safe_load((Path(workflow.basedir) / "config" / "schema.yaml").read_text()),
    ),
)
validate(config, schema="../config/schema.yaml")
# Cross-key and on-disk checks (weight sums, model.id, init combinations, pairs vs orders): every
# problem at once, each naming its key and value, before any job.
check_config(config)
# Set here, in the Snakemake process, so that every job inherits it before it imports anything.
os.environ.update(offline_environment(config["model"]["id"]))


wildcard_constraints:
    seed=r"\d+",
    run="|".join(RUNS),
    arm=WILDCARD,


# Light rules run on the submitting host under a cluster executor (no sbatch round trip).
localrules:
    select_best,
    report,


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
    if config["model"]["id"] == EMBEDDED_ID:
        return {"db": "data/commerce.db", "train": "results/pairs/train.jsonl"}
    return {}


def audit_ratings():
    """One ratings_<rater id>.jsonl per rater (the `audit.ratings` glob). None yet is a loud
    audit failure naming the missing raters, not a missing-input error."""
    return sorted(glob.glob(config["audit"]["ratings"]))


def grpo_runs():
    """The GRPO runs this config trains: `grpo` always, `grpo_from_base` when switched on."""
    return ["grpo", "grpo_from_base"] if config["grpo_from_base"] else ["grpo"]


def grpo_arms():
    """The evaluated GRPO arms, one per run and seed: the report rule's per-seed inputs follow
    this list, and the report zips them back to their arm without parsing paths."""
    return [arm_name(run, seed) for run in grpo_runs() for seed in config["seeds"]]


def eval_arms():
    """Every arm the `evaluate` rule scores (base; sft when it is trained; the GRPO arms)."""
    return ["base", *(["sft"] if config["sft"]["enabled"] else []), *grpo_arms()]


def per_grpo_arm(pattern):
    """``pattern`` (a rule's output or benchmark with {run} and {seed}) for every GRPO arm."""
    return [expand(pattern, run=run, seed=seed)[0] for run, seed in map(parse_arm, grpo_arms())]


def report_benchmarks():
    """Every job's Snakemake benchmark file: the report's wall time per stage."""
    files = [rules.commerce_db.benchmark, rules.pairs.benchmark, rules.base_model.benchmark]
    if config["sft"]["enabled"]:
        files.append(rules.sft.benchmark)
    return files + per_grpo_arm(rules.grpo.benchmark) + expand(rules.evaluate.benchmark, arm=eval_arms())


def grpo_section(wildcards):
    """The `grpo` config of one run, with `init` saying where that run starts from."""
    return {**config["grpo"], "init": init_arm(wildcards.run, config["grpo"]["init"])}


def grpo_init_adapter(wildcards):
    """The SFT adapter for a run that starts from it; nothing for one that starts from base."""
    if init_arm(wildcards.run, config["grpo"]["init"]) == "sft":
        return {"init_adapter": "results/sft/adapter"}
    return {}


def arm_adapter(wildcards):
    """The adapter an evaluation arm loads on top of the base model (none for `base`)."""
    run, seed = parse_arm(wildcards.arm)
    if run == "base":
        return {}
    if run == "sft":
        return {"adapter": "results/sft/adapter"}
    return {"adapter": f"results/{run}/seed{seed}/best"}


def get_final_output():
    """The report plus each seed's best adapter. Snakemake does not rebuild a deleted
    intermediate whose consumers are up to date; naming the per-seed artifacts here makes
    `rm -r results/grpo/seed42` followed by a plain run rebuild exactly that seed's branch."""
    return [
        "results/final_report.md",
        "results/final_report.json",
        *per_grpo_arm(rules.select_best.output.best),
    ]
