"""Rule report: statistics, figures and results/final_report.{md,json}."""
from commerce_grpo.rule_logging import log_to_rule_file

log_to_rule_file(snakemake)

from commerce_grpo.report.build import build_report

build_report(**dict(snakemake.input), outputs=dict(snakemake.output), **snakemake.params)
