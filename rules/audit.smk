# The gate before any GPU hour: rewards must agree with independent blind human raters (Spearman
# rho per task vs the mean rater), adversarial answers must score below the honest answer to the
# same prompt, every sql_qa gold answer must score through the real sandbox, the parser must read
# what small models write, and every prompt must route to its task (L-reward-audit).
rule reward_audit:
    input:
        audit_items=config["audit"]["items"],
        ratings=audit_ratings(),
        eval="results/pairs/eval.jsonl",
        db="data/commerce.db",
    output:
        json="results/audit/reward_audit.json",
        md="results/audit/reward_audit.md",
    params:
        min_raters=config["audit"]["min_raters"],
        min_spearman=config["audit"]["min_spearman"],
        min_adversarial_accuracy=config["audit"]["min_adversarial_accuracy"],
        min_gold_sql=config["audit"]["min_gold_sql"],
        rewards=config["rewards"],
        tasks=config["tasks"],
    log:
        "results/logs/reward_audit.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/reward_audit.py"
