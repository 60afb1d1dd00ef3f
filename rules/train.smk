rule base_model:
    input:
        unpack(base_model_inputs),
    output:
        directory("results/models/base"),
    params:
        model=config["model"],
    log:
        "results/logs/base_model.log",
    benchmark:
        "results/benchmarks/base_model.tsv"
    conda:
        model_env()
    resources:
        gpu=1,
        mem_mb=8000,
    script:
        "../scripts/build_base_model.py"


rule sft:
    input:
        train="results/pairs/train.jsonl",
        validation="results/pairs/validation.jsonl",
        base="results/models/base",
        audit="results/audit/reward_audit.json",
    output:
        adapter=directory("results/sft/adapter"),
        metrics="results/sft/metrics.csv",
    params:
        model=config["model"],
        lora=config["lora"],
        sft=config["sft"],
    log:
        "results/logs/sft.log",
    benchmark:
        "results/benchmarks/sft.tsv"
    conda:
        model_env()
    resources:
        gpu=1,
        mem_mb=16000,
    script:
        "../scripts/train_sft.py"


# Checkpoints are written under work/ (not an output, so Snakemake never deletes it): a killed
# job that is rerun resumes from its last checkpoint; outputs appear only when training ends.
rule grpo:
    input:
        unpack(grpo_init_adapter),
        train="results/pairs/train.jsonl",
        validation="results/pairs/validation.jsonl",
        base="results/models/base",
        audit="results/audit/reward_audit.json",
        db="data/commerce.db",
    output:
        checkpoints=directory("results/grpo/seed{seed}/checkpoints"),
        eval_history="results/grpo/seed{seed}/eval_history.csv",
        metrics="results/grpo/seed{seed}/metrics.csv",
    params:
        seed=lambda wildcards: int(wildcards.seed),
        work_dir=lambda wildcards: f"results/grpo/seed{wildcards.seed}/work",
        model=config["model"],
        lora=config["lora"],
        rewards=config["rewards"],
        grpo=config["grpo"],
    log:
        "results/logs/grpo/seed{seed}.log",
    benchmark:
        "results/benchmarks/grpo/seed{seed}.tsv"
    conda:
        model_env()
    resources:
        gpu=1,
        mem_mb=16000,
    script:
        "../scripts/train_grpo.py"


rule select_best:
    input:
        checkpoints="results/grpo/seed{seed}/checkpoints",
        eval_history="results/grpo/seed{seed}/eval_history.csv",
        base="results/models/base",
    output:
        best=directory("results/grpo/seed{seed}/best"),
    params:
        seed=lambda wildcards: int(wildcards.seed),
        model=config["model"],
        grpo=config["grpo"],
    log:
        "results/logs/select_best/seed{seed}.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/select_best.py"


# Seed 004's "GRPO-independent" arm beside the SFT-initialised one (config key grpo_from_base): the same
# training and selection, started from the base model, under results/grpo_from_base/.
use rule grpo as grpo_from_base with:
    input:
        train="results/pairs/train.jsonl",
        validation="results/pairs/validation.jsonl",
        base="results/models/base",
        audit="results/audit/reward_audit.json",
        db="data/commerce.db",
    output:
        checkpoints=directory("results/grpo_from_base/seed{seed}/checkpoints"),
        eval_history="results/grpo_from_base/seed{seed}/eval_history.csv",
        metrics="results/grpo_from_base/seed{seed}/metrics.csv",
    params:
        seed=lambda wildcards: int(wildcards.seed),
        work_dir=lambda wildcards: f"results/grpo_from_base/seed{wildcards.seed}/work",
        model=config["model"],
        lora=config["lora"],
        rewards=config["rewards"],
        grpo={**config["grpo"], "init": "base"},
    log:
        "results/logs/grpo_from_base/seed{seed}.log",
    benchmark:
        "results/benchmarks/grpo_from_base/seed{seed}.tsv"


use rule select_best as select_best_from_base with:
    input:
        checkpoints="results/grpo_from_base/seed{seed}/checkpoints",
        eval_history="results/grpo_from_base/seed{seed}/eval_history.csv",
        base="results/models/base",
    output:
        best=directory("results/grpo_from_base/seed{seed}/best"),
    params:
        seed=lambda wildcards: int(wildcards.seed),
        model=config["model"],
        grpo={**config["grpo"], "init": "base"},
    log:
        "results/logs/select_best_from_base/seed{seed}.log",


# Optional (not part of the report): `snakemake ... results/models/merged/seed42`.
rule merge:
    input:
        adapter="results/grpo/seed{seed}/best",
        base="results/models/base",
    output:
        directory("results/models/merged/seed{seed}"),
    params:
        model=config["model"],
    log:
        "results/logs/merge/seed{seed}.log",
    conda:
        model_env()
    resources:
        mem_mb=16000,
    script:
        "../scripts/merge_adapter.py"
