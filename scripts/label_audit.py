"""Rule label_audit: the labels of commerce.db vs the blind reference set (Olist mode), or a recorded skip."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.data.label_audit import run_label_audit

run_label_audit(db=snakemake.input.db, output=snakemake.output.json, **snakemake.params)
