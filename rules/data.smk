rule commerce_db:
    input:
        olist_inputs,
    output:
        db="data/commerce.db",
    params:
        source=data_source(),
        olist_dir=config["data"]["olist_dir"],
        orders=config["data"]["orders"],
        seed=config["data"]["seed"],
    log:
        "results/logs/commerce_db.log",
    benchmark:
        "results/benchmarks/commerce_db.tsv"
    conda:
        "../envs/pipeline.yaml"
    resources:
        mem_mb=4000,
    script:
        "../scripts/build_commerce_db.py"


rule pairs:
    input:
        db="data/commerce.db",
    output:
        train="results/pairs/train.jsonl",
        validation="results/pairs/validation.jsonl",
        eval="results/pairs/eval.jsonl",
        stats="results/pairs/stats.json",
    params:
        seed=config["pairs"]["seed"],
        scale=config["pairs"]["scale"],
        tasks=config["tasks"],
    log:
        "results/logs/pairs.log",
    benchmark:
        "results/benchmarks/pairs.tsv"
    conda:
        "../envs/pipeline.yaml"
    resources:
        mem_mb=4000,
    script:
        "../scripts/build_pairs.py"
