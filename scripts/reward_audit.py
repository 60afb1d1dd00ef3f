"""Rule reward_audit: Spearman gate, parser audit and classifier audit before any training."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.audit import run_reward_audit

run_reward_audit(**dict(snakemake.input), outputs=dict(snakemake.output), **snakemake.params)
