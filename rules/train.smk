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


# One seed of one GRPO run: `grpo` starts from `grpo.init`, `grpo_from_base` (config key
# grpo_from_base) from the base model, to tell GRPO's own effect from SFT's.
# Checkpoints are written under work/ (not an output, so Snakemake never deletes it): a killed
# job that is rerun resumes from its last checkpoint; outputs appear only when training ends
# (L-seeds). The checkpoints/ output is temp(): once select_best has copied the peak to best/,
# nothing reads it; `--notemp` keeps it.
rule grpo:
    input:
        unpack(grpo_init_adapter),
        train="results/pairs/train.jsonl",
        validation="results/pairs/validation.jsonl",
        base="results/models/base",
        audit="results/audit/reward_audit.json",
        db="data/commerce.db",
    output:
        checkpoints=temp(directory("results/{run}/seed{seed}/checkpoints")),
        eval_history="results/{run}/seed{seed}/eval_history.csv",
        metrics="results/{run}/seed{seed}/metrics.csv",
    params:
        seed=lambda wildcards: int(wildcards.seed),
        work_dir=lambda wildcards: f"results/{wildcards.run}/seed{wildcards.seed}/work",
        model=config["model"],
        lora=config["lora"],
        rewards=config["rewards"],
        grpo=grpo_section,
    log:
        "results/logs/{run}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{run}/seed{seed}.tsv"
    conda:
        model_env()
    resources:
        gpu=1,
        mem_mb=16000,
    script:
        "../scripts/train_grpo.py"


# best/ is the expensive artifact, yet not protected(): the README's per-seed reruns
# (`--forcerun grpo`, `-R`, `rm -r results/grpo/seed42`) must replace it without a chmod, and
# Snakemake refuses to overwrite or plan over a protected output.
rule select_best:
    input:
        checkpoints="results/{run}/seed{seed}/checkpoints",
        eval_history="results/{run}/seed{seed}/eval_history.csv",
        base="results/models/base",
    output:
        best=directory("results/{run}/seed{seed}/best"),
    params:
        seed=lambda wildcards: int(wildcards.seed),
        model=config["model"],
        grpo=grpo_section,
    log:
        "results/logs/select_best/{run}/seed{seed}.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/select_best.py"


# Optional (not part of the report): `snakemake ... results/models/merged/grpo/seed42`.
rule merge:
    input:
        adapter="results/{run}/seed{seed}/best",
        base="results/models/base",
    output:
        directory("results/models/merged/{run}/seed{seed}"),
    params:
        model=config["model"],
    log:
        "results/logs/merge/{run}/seed{seed}.log",
    conda:
        model_env()
    resources:
        mem_mb=16000,
    script:
        "../scripts/merge_adapter.py"
