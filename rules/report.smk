from commerce_grpo.report.provenance import config_hash


# Every file the report reads is an input here, passed by name; per-arm lists follow `arms` and
# `grpo_arms`. The report gets the config keys it prints, not the config.
rule report:
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
        md=report("results/final_report.md", category="Report"),
        json=report("results/final_report.json", category="Report"),
        figures=report(
            directory("results/figures"),
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
        # The whole config's hash, for the header: any config change reruns the report.
        config_hash=config_hash(config),
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
