rule report:
    input:
        evals=expand("results/eval/{arm}.jsonl", arm=eval_arms()),
        audit="results/audit/reward_audit.json",
        pairs_stats="results/pairs/stats.json",
        sft_metrics="results/sft/metrics.csv" if config["sft"]["enabled"] else [],
        eval_histories=expand("results/grpo/seed{seed}/eval_history.csv", seed=config["seeds"]),
        best=expand("results/grpo/seed{seed}/best", seed=config["seeds"]),
        grpo_metrics=expand("results/grpo/seed{seed}/metrics.csv", seed=config["seeds"]),
    output:
        md=report("results/final_report.md", category="Report"),
        json=report("results/final_report.json", category="Report"),
        figures=report(
            directory("results/figures"),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
    params:
        config=config,
        arms=eval_arms(),
        seeds=config["seeds"],
        benchmarks_dir="results/benchmarks",
        alpha=config["report"]["alpha"],
        bootstrap_samples=config["report"]["bootstrap_samples"],
        seed=config["report"]["seed"],
        entropy_floor=config["grpo"]["entropy_floor"],
    log:
        "results/logs/report.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/report.py"
