"""Rule reward_audit: rewards vs blind human ratings, adversarial ranking, SQL sandbox, parser, classifier, swap test."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.audit import run_reward_audit

run_reward_audit(items=snakemake.input.audit_items, ratings=list(getattr(snakemake.input, "ratings", [])), eval=snakemake.input.eval,
                 train=snakemake.input.train, db=snakemake.input.db, outputs=dict(snakemake.output), **snakemake.params)
