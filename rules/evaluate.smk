# The same eval prompts and the same decoding for every arm: base, sft, grpo_seed{seed}
# (and grpo_from_base_seed{seed}). Both outputs reach the script by name.
rule evaluate:
    """One arm's completions and rewards on the eval prompts (the same prompts and decoding for all)."""
    input:
        unpack(arm_adapter),
        eval="results/pairs/eval.jsonl",
        base="results/models/base",
        db="data/commerce.db",
    output:
        records="results/eval/{arm}.jsonl",
        # device, backend, decoding and generation time, for the report header
        meta="results/eval/{arm}.meta.json",
    params:
        model=config["model"],
        rewards=config["rewards"],
        decoding=config["evaluate"],
    threads: 4
    log:
        "results/logs/evaluate/{arm}.log",
    benchmark:
        "results/benchmarks/evaluate/{arm}.tsv"
    conda:
        model_env()
    resources:
        gpu=1,
        mem_mb=8000,
    script:
        "../scripts/evaluate.py"
