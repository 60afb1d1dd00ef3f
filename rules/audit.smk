# The gate before any GPU hour: rewards must agree with human judgement (Spearman rho per task),
# the parser must read what small models write, and every eval prompt must route to its task.
rule reward_audit:
    input:
        human_scores=config["audit"]["human_scores"],
        eval="results/pairs/eval.jsonl",
        db="data/commerce.db",
    output:
        json="results/audit/reward_audit.json",
        md="results/audit/reward_audit.md",
    params:
        min_spearman=config["audit"]["min_spearman"],
        rewards=config["rewards"],
    log:
        "results/logs/reward_audit.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/reward_audit.py"
