# The training pairs of model.tiny.tokenizer_tasks, enabled or not, drawn as the pairs rule draws
# them: the embedded tokenizer learns their text, so enabling a task changes neither the tokenizer
# nor the base model.
use rule pairs as tokenizer_corpus with:
    """Text the embedded tokenizer learns from: the training prompts of model.tiny.tokenizer_tasks."""
    output:
        train="results/models/tokenizer_corpus.jsonl",
    params:
        tasks=tokenizer_tasks(),
    log:
        "results/logs/tokenizer_corpus.log",
    benchmark:
        "results/benchmarks/tokenizer_corpus.tsv"


rule base_model:
    """The base model: the embedded tiny model built and pretrained, or model.id checked/downloaded."""
    input:
        unpack(base_model_inputs),
    output:
        directory("results/models/base"),
    params:
        model=config["model"],
    threads: 2
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
    """LoRA SFT warm-up on the assistant tokens of the sft.tasks training pairs."""
    input:
        train="results/pairs/train.jsonl",
        validation="results/pairs/validation.jsonl",
        base="results/models/base",
        audit=ancient(rules.reward_audit.output.gate),
    output:
        adapter=directory("results/sft/adapter"),
        metrics="results/sft/metrics.csv",
    params:
        model=config["model"],
        lora=config["lora"],
        sft=config["sft"],
    threads: 4
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
    """One seed of one GRPO run, with validation evals, early stopping and resume from work/."""
    input:
        unpack(grpo_init_adapter),
        train="results/pairs/train.jsonl",
        validation="results/pairs/validation.jsonl",
        base="results/models/base",
        audit=ancient(rules.reward_audit.output.gate),
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
    threads: 4
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


# best/ is the expensive artifact, yet not protected(): the per-seed reruns of docs/usage.md
# (`--forcerun grpo`, `-R`, `rm -r results/grpo/seed42`) must replace it without a chmod, and
# Snakemake refuses to overwrite or plan over a protected output.
rule select_best:
    """One seed's best validation checkpoint as a PEFT adapter, with best.json and a model card."""
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
    threads: 1
    log:
        "results/logs/select_best/{run}/seed{seed}.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/select_best.py"


# Optional (not part of the report): `snakemake ... results/models/merged/grpo/seed42`.
rule merge:
    """Optional: one seed's best adapter merged into the base model, for inference."""
    input:
        adapter="results/{run}/seed{seed}/best",
        base="results/models/base",
    output:
        directory("results/models/merged/{run}/seed{seed}"),
    params:
        model=config["model"],
    threads: 4
    log:
        "results/logs/merge/{run}/seed{seed}.log",
    conda:
        model_env()
    resources:
        gpu=1,
        mem_mb=16000,
    script:
        "../scripts/merge_adapter.py"
