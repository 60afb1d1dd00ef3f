# Every file the report reads is an input here, passed by name; per-arm lists follow `arms` and
# `grpo_arms`. The report gets the config keys it prints, and the whole merged config, which it
# writes beside itself (config.effective.yaml) and hashes. A run restricted with
# `--config seeds=...` writes to its own folder (report_dir), never over the full report.
rule report:
    """Statistics, figures and results/final_report.{md,json} over every evaluated arm."""
    input:
        evals=expand(rules.evaluate.output.records, arm=eval_arms()),
        metas=expand(rules.evaluate.output.meta, arm=eval_arms()),
        audit=rules.reward_audit.output.json,
        pairs_stats=rules.pairs.output.stats,
        sft_metrics=rules.sft.output.metrics if config["sft"]["enabled"] else [],
        eval_histories=per_grpo_arm(rules.grpo.output.eval_history),
        best=per_grpo_arm(rules.select_best.output.best),
        grpo_metrics=per_grpo_arm(rules.grpo.output.metrics),
        benchmarks=report_benchmarks(),
    output:
        md=report(f"{report_dir()}/final_report.md", category="Report"),
        json=report(f"{report_dir()}/final_report.json", category="Report"),
        config=f"{report_dir()}/config.effective.yaml",
        figures=report(
            directory(f"{report_dir()}/figures"),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
    params:
        arms=eval_arms(),
        grpo_arms=grpo_arms(),
        grpo_init=config["grpo"]["init"],
        # The preset, weight overrides and judge: the report names every reward component and its weight.
        rewards=config["rewards"],
        run_name=config["run_name"],
        demo=config["demo"],
        model=config["model"],
        decoding=config["evaluate"],
        # The whole merged config (hashed in the header, written as config.effective.yaml): any config
        # change reruns the report. The config files' seeds tell a --config seeds subset apart.
        effective_config=config,
        configured_seeds=configured_seeds(),
        # Which tasks SFT and GRPO trained (the diagnosis' evidence).
        sft_tasks=config["sft"]["tasks"] if config["sft"]["enabled"] else [],
        task_mix=config["grpo"]["task_mix"],
        alpha=config["report"]["alpha"],
        bootstrap_samples=config["report"]["bootstrap_samples"],
        seed=config["report"]["seed"],
        plan=config["report"]["plan"],
        entropy_floor=config["grpo"]["entropy_floor"],
    threads: 1
    log:
        "results/logs/report.log",
    conda:
        "../envs/pipeline.yaml"
    script:
        "../scripts/report.py"
