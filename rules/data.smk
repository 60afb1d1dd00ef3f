rule commerce_db:
    """data/commerce.db: the Olist CSVs when present, else a seeded synthetic generator."""
    input:
        olist_inputs,
    output:
        db="data/commerce.db",
    params:
        source=data_source(),
        olist_dir=config["data"]["olist_dir"],
        orders=config["data"]["orders"],
        seed=config["data"]["seed"],
        labeller=config["data"]["labeller"],
    threads: 1
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


# The train/validation pairs and the eval pairs come from one deterministic draw (eval first, so
# training never shares an order, customer or prompt with it), built by two rules: each writes only
# what its readers read, so a lost eval file is redrawn without retraining anything.
rule pairs:
    """Train and validation pairs of the enabled tasks (what training reads), and their stats."""
    input:
        db="data/commerce.db",
    output:
        train="results/pairs/train.jsonl",
        validation="results/pairs/validation.jsonl",
        stats="results/pairs/stats.json",
    params:
        seed=config["pairs"]["seed"],
        scale=config["pairs"]["scale"],
        tasks=config["tasks"],
    threads: 1
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


use rule pairs as eval_pairs with:
    """The stratified eval pairs (never trained on): read by the audit and the evaluation only."""
    output:
        eval="results/pairs/eval.jsonl",
    log:
        "results/logs/eval_pairs.log",
    benchmark:
        "results/benchmarks/eval_pairs.tsv"


# The label gate (Olist mode): the labels commerce.db holds vs a blind reference set of real
# reviews (held-out half), per field; below a threshold nothing trains. Synthetic mode records
# a skip (the generator's labels are its own facts).
rule label_audit:
    """Olist labels vs the blind reference set, per field (a recorded skip in synthetic mode)."""
    input:
        unpack(label_audit_inputs),
    output:
        json="results/audit/label_audit.json",
    params:
        source=data_source(),
        labeller=config["data"]["labeller"]["kind"],
        reference=config["data"]["label_audit"]["reference"],
        min_reviews=config["data"]["label_audit"]["min_reviews"],
        min_agreement=config["data"]["label_audit"]["min_agreement"],
        min_recall=config["data"]["label_audit"]["min_recall"],
    threads: 1
    log:
        "results/logs/label_audit.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/label_audit.py"
