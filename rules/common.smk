# Helpers for every rule file. Validation runs first, so a bad key or value stops the run
# before any job, in a few lines naming the key, its value and what is allowed.
import glob
import os
import sys
from pathlib import Path

import yaml
from snakemake.logging import logger
from snakemake.utils import update_config

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))
from commerce_grpo.arms import RUNS, WILDCARD, arm_name, init_arm, parse_arm
from commerce_grpo.config_checks import check_config, config_warnings
from commerce_grpo.config_overrides import coerce_overrides
from commerce_grpo.config_schema import load_schema, validate_config
from commerce_grpo.data.reference_set import set_files as reference_set_files
from commerce_grpo.data.schema import OLIST_TABLES
from commerce_grpo.modeling.base import EMBEDDED_ID, offline_environment
from commerce_grpo.run_lock import claim_workdir


# `--config` values arrive as strings inside a mapping or list (`grpo={"max_steps": 5}`); give
# them the schema's types, then merge them over the config files key by key as Snakemake did.
SCHEMA = load_schema(Path(workflow.basedir) / "config" / "schema.yaml")
update_config(config, coerce_overrides(workflow.config_settings.config, SCHEMA))
validate_config(config, SCHEMA)
# Cross-key and on-disk checks (weight sums, model.id, init combinations, pairs vs orders): every
# problem at once, each naming its key and value, before any job.
check_config(config)
for warning in config_warnings(config):
    logger.warning(f"config: {warning}")
# Set here, in the Snakemake process, so that every job inherits it before it imports anything.
os.environ.update(offline_environment(config["model"]["id"]))
# A run killed outright leaves Snakemake's directory locks, which Snakemake cannot tell from a live
# run's: every run marks itself alive, and the locks found while no run is alive are removed.
if workflow.is_main_process:
    for stale in claim_workdir():
        print(f"Removed a Snakemake lock of a run that is no longer alive: {stale}", file=sys.stderr)


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


def label_audit_inputs(wildcards):
    """commerce.db, and in Olist mode the reference set's files (a missing one is then a
    Snakemake error naming it, before any job starts)."""
    inputs = {"db": "data/commerce.db"}
    if data_source() == "olist":
        inputs["reference"] = reference_set_files(config["data"]["label_audit"]["reference"])
    return inputs


def base_model_inputs(wildcards):
    """The embedded model is built from commerce.db and its tokenizer corpus; a hub id or local
    folder needs no input (base_model resolves it)."""
    if config["model"]["id"] == EMBEDDED_ID:
        return {"db": "data/commerce.db", "train": rules.tokenizer_corpus.output.train}
    return {}


def tokenizer_tasks():
    """`model.tiny.tokenizer_tasks` as a `tasks` section, each enabled with its configured counts:
    the embedded tokenizer learns a fixed list of tasks, so enabling one never rebuilds the base."""
    section = config["tasks"]
    return {name: {**section[name], "enabled": True} for name in config["model"]["tiny"]["tokenizer_tasks"]}


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
    files = [rules.commerce_db.benchmark, rules.pairs.benchmark, rules.eval_pairs.benchmark]
    if config["model"]["id"] == EMBEDDED_ID:
        files.append(rules.tokenizer_corpus.benchmark)
    files.append(rules.base_model.benchmark)
    if config["sft"]["enabled"]:
        files.append(rules.sft.benchmark)
    return files + per_grpo_arm(rules.grpo.benchmark) + expand(rules.evaluate.benchmark, arm=eval_arms())


def configured_seeds():
    """The seeds of the config files (config/config.yaml, then every --configfile), before any
    `--config seeds=...` narrowed the run."""
    files = yaml.safe_load((Path(workflow.basedir) / "config" / "config.yaml").read_text())
    for path in workflow.config_settings.configfiles:
        update_config(files, yaml.safe_load(Path(path).read_text()))
    return files["seeds"]


def report_dir():
    """results/ for the configured seeds; results/report_seeds-<seeds>/ when `--config seeds=...` ran
    other seeds, so a report over a subset never replaces the full one."""
    if config["seeds"] == configured_seeds():
        return "results"
    return "results/report_seeds-" + "-".join(map(str, config["seeds"]))


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
    """The report, each seed's best adapter and the eval pairs. Snakemake does not rebuild a
    deleted intermediate whose consumers are up to date; naming the per-seed artifacts here makes
    `rm -r results/grpo/seed42` followed by a plain run rebuild exactly that seed's branch, and
    the eval pairs (the references the report's numbers are checked against) are redrawn with
    the audit and evaluations that read them, nothing trained."""
    return [
        rules.report.output.md,
        rules.report.output.json,
        *per_grpo_arm(rules.select_best.output.best),
        rules.eval_pairs.output.eval,
    ]
