# The gate before any GPU hour: rewards must agree with independent blind human raters (Spearman
# rho per task vs the mean rater), adversarial answers must score below the honest answer to the
# same prompt, every sql_qa gold answer must score through the real sandbox, the parser must read
# what small models write, every prompt must route to its task, and another training prompt's
# honest answer must score well below this prompt's own (the swap test; L-reward-audit).
# `passed` exists only once the gate has passed (Snakemake touches it when the job succeeds);
# training waits on it as ancient(): a rerun audit (a new judge, a new eval file) orders training
# again without retraining what was already trained. A checkpoint, because Snakemake 9 decides
# what to rerun in one pass that skips the own reasons (changed params) of every job below a job
# that reruns, and ancient() then drops them: enabling the judge reran the audit and silently left
# GRPO untrained on it. After a checkpoint finishes, Snakemake decides again, the audit done.
checkpoint reward_audit:
    """Reward audit gate: rewards vs blind human ratings, adversarial answers, sandbox, parser, routing."""
    input:
        audit_items=config["audit"]["items"],
        ratings=audit_ratings(),
        eval="results/pairs/eval.jsonl",
        train="results/pairs/train.jsonl",
        db="data/commerce.db",
        # the label gate first: training waits on both through this rule's output
        labels=rules.label_audit.output.json,
    output:
        json="results/audit/reward_audit.json",
        md="results/audit/reward_audit.md",
        gate=touch("results/audit/passed"),
    params:
        min_raters=config["audit"]["min_raters"],
        min_spearman=config["audit"]["min_spearman"],
        min_adversarial_accuracy=config["audit"]["min_adversarial_accuracy"],
        min_gold_sql=config["audit"]["min_gold_sql"],
        max_swap_ratio=config["audit"]["max_swap_ratio"],
        rewards=config["rewards"],
        tasks=config["tasks"],
    threads: 1
    log:
        "results/logs/reward_audit.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/reward_audit.py"
